"""output/gitignore.py: check-gitignore's report, rendered from a Judgement of gate/coverage.py."""

from __future__ import annotations

import io
import json

import pytest

from credgate.config import Config
from credgate.gate import coverage
from credgate.output import gitignore as output
from tests.conftest import Repo


def judged(repo: Repo, text: str) -> coverage.Judgement:
    repo.stage(".gitignore", text)
    return coverage.judge(str(repo.path), Config())


def test_text_names_the_failing_pattern_and_a_fix_that_needs_only_git(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    j = judged(repo, ".env\n")
    out = io.StringIO()
    output.render(j, out)
    text = out.getvalue()
    assert text.startswith("credgate: .gitignore does not keep out")
    assert "  .env.*  .env.local, .env.master, .env.production (+" in text
    assert "fix: printf '%s\\n' '.env.*'" in text and ">> .gitignore && git add .gitignore" in text
    assert " or: credgate check-gitignore --fix" in text


def test_under_pre_commit_the_fix_is_the_manual_hook(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    out = io.StringIO()
    output.render(judged(repo, ".env\n"), out)
    assert "pre-commit run credgate-gitignore-fix --hook-stage manual" in out.getvalue()


def test_json_lists_every_pattern_with_its_status(repo: Repo) -> None:
    j = judged(repo, ".env\n")
    out = io.StringIO()
    output.render(j, out, "json")
    doc = json.loads(out.getvalue())
    assert doc["exit_code"] == j.rc == 1 and doc["covered"] is False
    status = {p["pattern"]: p["status"] for p in doc["patterns"]}
    assert status[".env"] == "covered" and status[".env.*"] == "not-ignored"
    assert ".env.*" in doc["add"] and doc["fixed"] is False


def test_escapes_hostile_lines_and_summary(repo: Repo) -> None:
    j = judged(repo, ".env\n!\x1b]0;pwn\x07.env.local\n")
    out = io.StringIO()
    output.render(j, out, verbose=True)
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    line = output.summary(j)
    assert line.startswith(f"credgate: checked {len(j.protected)} credential file patterns")
    assert f"in {len(j.dirs)} directories" in line
