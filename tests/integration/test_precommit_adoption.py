"""Adoption through the real pre-commit framework: the gitignore fix a pre-commit user can run, and
the range hook in the manual stage."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import Repo, env_file_with_aws, secret
from tests.integration.test_precommit_framework import (  # noqa: F401 (session fixtures)
    hook_repo,
    precommit,
    precommit_home,
)


def _configure(repo: Repo, snapshot: tuple[str, str], hooks: list[str]) -> None:
    path, rev = snapshot
    lines = "".join(f"      - id: {h}\n" for h in hooks)
    repo.write(".pre-commit-config.yaml", f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{lines}")
    repo.git("add", ".pre-commit-config.yaml")


@pytest.fixture
def home(precommit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    return precommit_home


def test_gitignore_hook_output_is_short_and_its_printed_fix_works(
    repo: Repo,
    hook_repo: tuple[str, str],  # noqa: F811
    home: Path,
) -> None:
    _configure(repo, hook_repo, ["credgate-gitignore", "credgate-gitignore-fix"])
    repo.stage(".gitignore", ".env\n")
    repo.write(".env.master", env_file_with_aws())
    failed = precommit("run", "credgate-gitignore")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    body = failed.stdout.split("- exit code: 1", 1)[1].strip().splitlines()
    assert len(body) <= 15, failed.stdout
    assert any(line.startswith("  .env.*  ") for line in body)
    assert "pre-commit run credgate-gitignore-fix --hook-stage manual" in failed.stdout
    assert "credgate check-gitignore --fix" not in failed.stdout  # not on this user's PATH

    # The manual-stage fix hook, as printed.
    fixed = precommit("run", "credgate-gitignore-fix", "--hook-stage", "manual")
    assert fixed.returncode == 1 and "added credgate's block to .gitignore" in fixed.stdout
    repo.git("add", ".gitignore")
    passed = precommit("run", "credgate-gitignore")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    ignored = repo.git("check-ignore", "--no-index", ".env.master", "kubeconfig", check=False).split()
    assert ignored == [".env.master", "kubeconfig"]  # the fix hook adds the advice patterns too
    # The fix hook never runs on a commit: it is manual only.
    assert "credgate-gitignore-fix" not in precommit("run").stdout


def test_printed_shell_fix_works_under_the_framework(
    repo: Repo,
    hook_repo: tuple[str, str],  # noqa: F811
    home: Path,
) -> None:
    _configure(repo, hook_repo, ["credgate-gitignore"])
    repo.stage(".gitignore", "node_modules/")
    failed = precommit("run", "credgate-gitignore")
    assert failed.returncode == 1
    fix = next(line for line in failed.stdout.splitlines() if line.startswith("fix: "))[5:]
    subprocess.run(["sh", "-c", fix], cwd=repo.path, check=True)
    passed = precommit("run", "credgate-gitignore")
    assert passed.returncode == 0, passed.stdout


def test_range_hook_in_the_manual_stage_scans_what_is_not_pushed(
    repo: Repo,
    hook_repo: tuple[str, str],  # noqa: F811
    home: Path,
    tmp_path: Path,
) -> None:
    _configure(repo, hook_repo, ["credgate-range"])
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("an old leak, already on the remote")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "-u", "origin", "main")
    repo.stage("a.txt", "clean\n")
    repo.commit("clean")
    clean = precommit("run", "--hook-stage", "manual", "credgate-range")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no range to scan" not in clean.stdout

    repo.stage("b.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    repo.commit("new leak")  # --no-verify
    blocked = precommit("run", "--hook-stage", "manual", "credgate-range", "--verbose")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "b.py:1:10" in blocked.stdout and "leak.env" not in blocked.stdout
    assert "scanned 2 commits" in blocked.stdout
