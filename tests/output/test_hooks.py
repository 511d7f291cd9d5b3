"""output/hooks.py: one line per hook step, the path escaped."""

from __future__ import annotations

from credgate.gate.hooks import Step
from credgate.output.hooks import step_line


def test_each_step_has_its_line_and_a_path_is_escaped() -> None:
    assert step_line(Step("installed", "pre-push", "/r/.git/hooks/pre-push")) == (
        "credgate: installed pre-push hook in /r/.git/hooks/pre-push"
    )
    kept = step_line(Step("kept", "pre-commit", "/r\x1b]0;x\x07/pre-commit.credgate-backup.1"))
    assert kept.startswith("credgate: kept the previous pre-commit hook as /r")
    assert "\x1b" not in kept and "\x07" not in kept
