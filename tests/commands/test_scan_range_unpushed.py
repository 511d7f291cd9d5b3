"""`credgate scan-range` with no range (pre-commit's manual stage): what is not pushed yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Repo, env_file_with_aws, secret


def cli(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", "scan-range", *args], cwd=repo.path, capture_output=True, text=True
    )


def with_remote(repo: Repo, tmp_path: Path, push: bool = True) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    if push:
        repo.git("push", "-q", "-u", "origin", "main")
    return bare


def test_no_remote_scans_all_of_head_and_says_so(repo: Repo) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("leak")
    repo.stage("a.txt", "clean\n")
    repo.commit("clean")
    proc = cli(repo)
    assert proc.returncode == 1, proc.stderr
    said = "no remote is configured, so nothing of main is known to be pushed: scanning all of it"
    assert said in proc.stderr
    assert "leak.env:2:19" in proc.stdout
    assert proc.stderr.count("credgate: scanned 2 commits") == 1


def test_only_commits_not_on_the_upstream_are_scanned(repo: Repo, tmp_path: Path) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("an old leak, already published")
    with_remote(repo, tmp_path)
    repo.stage("a.txt", "clean\n")
    repo.commit("clean")
    proc = cli(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "credgate: scanned 1 commit " in proc.stderr and "commits origin does not have" in proc.stderr
    token = secret("%%github:ghp_%%")
    repo.stage("b.py", f"TOKEN = '{token}'\n")
    repo.commit("new leak")
    proc = cli(repo)
    assert proc.returncode == 1 and "b.py:1:10" in proc.stdout and "leak.env" not in proc.stdout
    assert "scanned 2 commits" in proc.stderr
    repo.git("push", "-q", "origin", "main")
    assert cli(repo).returncode == 0  # pushed: nothing left to scan (and "scanned 0 commits" is said)


def test_a_new_branch_without_upstream_excludes_what_the_remote_has(repo: Repo, tmp_path: Path) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("published leak")
    with_remote(repo, tmp_path)
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("c.py", f"KEY = '{secret('%%github:ghp_%%')}'\n")
    repo.commit("feature leak")
    proc = cli(repo)
    assert proc.returncode == 1
    assert "c.py:1:8" in proc.stdout and "leak.env" not in proc.stdout
    assert "scanned 1 commit " in proc.stderr


def test_a_remote_never_fetched_scans_everything(repo: Repo, tmp_path: Path) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("leak")
    with_remote(repo, tmp_path, push=False)
    proc = cli(repo)
    assert proc.returncode == 1 and "leak.env" in proc.stdout
    assert "origin has no remote-tracking refs here" in proc.stderr


def test_no_commit_yet_is_a_usage_error(repo: Repo) -> None:
    proc = cli(repo)
    assert proc.returncode == 2 and "no commit yet" in proc.stderr


def test_a_local_upstream_exempts_nothing(repo: Repo) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("leak on main, never pushed")
    repo.git("checkout", "-q", "-b", "feature", "--track", "main")  # upstream: the local main
    repo.stage("a.txt", "a\n")
    repo.commit("feature work")
    proc = cli(repo)
    assert proc.returncode == 1 and "leak.env" in proc.stdout
    assert "no remote is configured" in proc.stderr
