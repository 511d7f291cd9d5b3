"""`credgate history`: every ref's history, each secret once, where it was introduced."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands import history
from tests.conftest import Repo, secret


def run(**kw: object) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    rc = history.run(fmt="json", out=out, err=io.StringIO(), **kw)  # type: ignore[arg-type]
    return rc, json.loads(out.getvalue())


def test_each_secret_once_with_introduction_paths_and_head_presence(repo: Repo) -> None:
    token, gone = secret("%%github:ghp_%%"), secret("%%github:gho_%%")
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    repo.stage("a.py", f"T = '{token}'\n")
    repo.stage("tmp.env", f"OAUTH={gone}\n")
    repo.commit("leak two")
    introduced = repo.git("rev-parse", "HEAD").strip()
    repo.git("mv", "a.py", "b.py")
    repo.stage("copy.py", f"# copied\nT = '{token}'\n")
    repo.git("rm", "-q", "tmp.env")
    repo.commit("move, copy and delete")
    rc, doc = run()
    assert rc == 1
    findings = {f["rule"]: f for f in doc["findings"]}  # type: ignore[union-attr]
    assert set(findings) == {"github-pat", "github-oauth-token"}
    pat = findings["github-pat"]
    assert pat["commit"] == introduced
    assert pat["path"] == "a.py"
    assert sorted(pat["paths"]) == ["a.py", "copy.py"]  # the rename adds no line; the copy does
    assert pat["present_at_head"] is True and sorted(pat["head_paths"]) == ["copy.py"]
    assert findings["github-oauth-token"]["present_at_head"] is False


def test_secrets_on_other_branches_and_only_in_the_reflog(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "topic")
    repo.stage("k.env", f"T={secret('%%github:ghp_%%')}\n")
    repo.commit("on a branch")
    repo.git("checkout", "-q", "main")
    assert run()[0] == 1  # other refs count, not just HEAD
    repo.git("branch", "-q", "-D", "topic")
    assert run()[0] == 0
    assert run(include_reflog=True)[0] == 1  # dropped from refs, still in this clone's reflog


def test_cli_text_output_says_how_to_purge(repo: Repo) -> None:
    repo.stage(".env.master", f"T={secret('%%github:ghp_%%')}\n")
    repo.commit()
    proc = subprocess.run([sys.executable, "-m", "credgate", "history"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "git filter-repo --invert-paths --path .env.master" in proc.stdout


def test_lines_are_those_of_the_file_not_of_the_patch(repo: Repo) -> None:
    """History scans only added lines; reported lines must still be the file's own."""
    body = "".join(f"line {i}\n" for i in range(1, 21))
    repo.stage("conf.py", body)
    repo.commit()
    pem = secret("%%pem:RSA_PRIVATE_KEY%%")
    lines = body.splitlines(keepends=True)
    lines.insert(10, f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    lines.insert(15, pem + "\n")
    repo.stage("conf.py", "".join(lines))
    repo.stage("blob.bin", b"\x00\x01" + secret("%%github:gho_%%").encode() + b"\x00")
    repo.commit()
    rc, doc = run()
    assert rc == 1
    found = {f["rule"]: f for f in doc["findings"]}  # type: ignore[union-attr]
    assert found["github-pat"]["line"] == 11
    key = found["private-key-pem"]
    assert (key["line"], key["end_line"]) == (16, 16 + pem.count("\n"))
    assert found["github-oauth-token"]["path"] == "blob.bin"  # binary: scanned from the blob


def test_parallel_workers_report_exactly_what_one_worker_does(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("README.md", "hi\n")
    repo.commit()
    for i in range(6):
        repo.stage(f"f{i}.py", f"x = {i}\n")
        repo.commit()
    repo.stage("a.py", f"T = '{token}'\n")
    repo.commit("introduce")
    introduced = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "side")
    repo.stage("b.py", f"# again\nT = '{token}'\n")
    repo.commit("copy on a branch")
    repo.git("checkout", "-q", "main")
    repo.stage("c.env", f"K={secret('%%github:gho_%%')}\n")
    repo.commit()
    repo.git("merge", "-q", "--no-edit", "side")
    single = run()[1]["findings"]
    monkeypatch.setattr(history, "PARALLEL_MIN_COMMITS", 1)
    monkeypatch.setattr(history.os, "cpu_count", lambda: 2)
    parallel = run()[1]["findings"]
    assert parallel == single
    assert {f["commit"] for f in parallel if f["rule"] == "github-pat"} == {introduced}  # type: ignore[index]


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
