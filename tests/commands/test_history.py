"""`credgate history`: every ref's history, each secret once, where it was introduced."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands import history
from credgate.commands._options import Options
from tests.conftest import Repo, secret


def run(**kw: object) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    rc = history.run(**kw, opts=Options(fmt="json", out=out, err=io.StringIO()))  # type: ignore[arg-type]
    return rc, json.loads(out.getvalue())


def test_cli_text_output_says_how_to_purge(repo: Repo) -> None:
    repo.stage(".env.master", f"T={secret('%%github:ghp_%%')}\n")
    repo.commit()
    proc = subprocess.run([sys.executable, "-m", "credgate", "history"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "git filter-repo --invert-paths --path .env.master" in proc.stdout


def test_this_repository_history_is_clean_by_its_own_rules(tmp_path: Path) -> None:
    """Dogfood: the project's own history passes `credgate history`, its reviewed false positives
    accepted by the committed baseline (each with a reason), not hidden by a rule change."""
    from tests.conftest import PROJECT

    if not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout (an sdist)")
    clone = tmp_path / "credgate"  # the checked-out branch alone, not whatever other local refs exist
    subprocess.run(["git", "clone", "-q", "--single-branch", str(PROJECT), str(clone)], check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "history", "--format", "json"],
        cwd=clone, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["findings"] == []
    assert doc["accepted"] and all(a.get("accepted_by") for a in doc["accepted"])


def test_json_carries_each_secrets_facts_and_the_sentence_about_them(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    repo.stage("a.py", f"T = '{token}'\n")
    repo.commit("leak")
    repo.stage("a.py", "T = None\n")
    repo.stage("b.py", f"# copied\nT = '{token}'\n")
    repo.commit("move it")
    rc, doc = run()
    assert rc == 1
    (f,) = doc["findings"]  # type: ignore[misc]
    assert (f["path"], f["paths"], f["present_at_head"], f["head_paths"]) == (
        "a.py",
        ["a.py", "b.py"],
        True,
        ["b.py"],
    )
    assert f["note"].startswith("introduced ") and f["note"].endswith("; in a.py, b.py; still at HEAD")
    assert token not in json.dumps(doc)


def test_cli_include_reflog_reaches_a_deleted_branch(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "topic")
    repo.stage("k.py", f"T = '{secret('%%github:ghp_%%')}'\n")
    repo.commit("on a branch")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "topic")
    cli = [sys.executable, "-m", "credgate", "history", "--format", "json"]
    assert subprocess.run(cli, capture_output=True, text=True).returncode == 0
    proc = subprocess.run([*cli, "--include-reflog"], capture_output=True, text=True)
    assert proc.returncode == 1
    (f,) = json.loads(proc.stdout)["findings"]
    assert f["rule"] == "github-pat" and f["note"].endswith("not at HEAD (history only)")
