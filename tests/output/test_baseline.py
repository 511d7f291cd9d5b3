"""output/baseline.py: the lines of `credgate baseline`, from the gate's plan."""

from __future__ import annotations

from credgate.gate import baseline_update as gate
from credgate.output import baseline as text
from tests.conftest import Repo, secret


def test_a_blocked_plan_lists_the_findings_redacted_and_says_nothing_was_written(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("a.env", "X=1\n")
    p = gate.plan()
    gate.write(p.target, p.entries)
    repo.stage("b\x1b.env", f"GITHUB_TOKEN={token}\n")
    lines = text.plan_lines(gate.plan())
    assert lines[0] == "credgate: 1 finding(s) are not in .credgate-baseline.jsonl:"
    assert lines[1].startswith("  ? b\\x1b.env  github-pat  ghp_") and "(line 1)" in lines[1]
    assert lines[-1].startswith("credgate: nothing was written.")
    assert token not in "\n".join(lines)


def test_union_lines_for_each_outcome() -> None:
    assert text.union_lines(gate.UnionMerge("present", "x")) == []
    [added] = text.union_lines(gate.UnionMerge("added", "x", "/x merge=union"))
    assert added == "credgate: added `/x merge=union` to .gitattributes (commit it with the baseline)"
    [by_hand] = text.union_lines(gate.UnionMerge("by-hand", "../x\x07"))
    assert "\x07" not in by_hand and "by hand" in by_hand
