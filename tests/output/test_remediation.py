"""output.remediation: the plan's numbered steps, quoted for a shell and escaped for a terminal."""

from __future__ import annotations

import io

from credgate import gitio
from credgate.gate.history import Introduced
from credgate.gate.remediation import Purge
from credgate.output.remediation import plan, print_plan
from tests.gate.test_incident import found


def test_plan_quotes_and_escapes_paths_and_shows_no_value() -> None:
    f = found("github-pat", "docs/a b.md", "2029-12-01", ["docs/a b.md"], [])
    purge = Purge(
        [Introduced(f, 0, ["docs/a b.md", "x\x1b.env"])], ["x\x1b.env"], [b"value"], ["docs/a b.md"]
    )
    out = io.StringIO()
    print_plan(plan(purge, gitio.Layout("/r/.git", "/r", False), "20300102-030405"), out)
    text = out.getvalue()
    assert "\x1b" not in text and "x\\x1b.env" in text
    assert "--invert-paths --path 'x\\x1b.env'" in text  # escaped, then quoted for the shell
    assert "git bundle create /r/.git/credgate-backup/20300102-030405/all.bundle --all" in text
    assert "in docs/a b.md, x\\x1b.env; introduced in commit cccccccccccc" in text
    assert "value" not in text.replace("value(s)", "")
    numbers = [int(line.split(".", 1)[0]) for line in text.splitlines() if line[:1].isdigit()]
    assert numbers == list(range(1, 8))


def test_a_mirror_gets_no_backup_refs_and_a_mirror_push() -> None:
    purge = Purge([], ["id_rsa"], [], [])
    steps = plan(purge, gitio.Layout("/m.git", None, True), "20300102-030405")
    titles = [title for title, _ in steps]
    assert "Publish: git push --force --mirror" in titles
    assert any("No backup refs" in line for line in steps[1][1])
    assert steps[0][1] == [
        "credgate recognised no secret value in id_rsa; rotate any credential they held all the same"
    ]
