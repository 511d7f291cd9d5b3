"""output/ranges.py: the range gates' scope and stderr lines, escaped whole at the edge."""

from __future__ import annotations

import io

from credgate.output import ranges


def test_scope_escapes_names_from_git() -> None:
    assert ranges.scope("a..b", pushing=True) == "commits being pushed"
    assert ranges.scope("main\x1b[2J (commits fork\u202e does not have)", pushing=False) == (
        "commits in main\\x1b[2J (commits fork\\u202e does not have)"
    )
    assert ranges.ci_scope("push ##[group]x") == "commits in the push ##\\x5bgroup]x"


def test_each_line_is_escaped_whole() -> None:
    err = io.StringIO()
    ranges.nothing_known_pushed("topic\u202e", "ev\x1bil has no remote-tracking refs here", err)
    ranges.only_deletions(err)
    ranges.ci_only_deletion("github", err)
    ranges.ci_plan("generic", "push", "push a..b", ".credgate.toml at abc", err)
    ranges.warner(err)("::warning::from a note")
    assert err.getvalue().splitlines() == [
        "credgate: ev\\x1bil has no remote-tracking refs here, so nothing of topic\\u202e is known to be "
        "pushed: scanning all of it",
        "credgate: scanned 0 commits: the push only deletes refs",
        "credgate: scanned 0 commits: the github push deletes a ref, which adds nothing",
        "credgate: generic push: scanning push a..b; rules from .credgate.toml at abc",
        "\\x3a:warning::from a note",
    ]
