"""`credgate install-hooks` and the plain POSIX-sh hooks it installs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands import install_hooks
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import PROJECT, Repo, env_file_with_aws


def path_with_credgate(tmp_path: Path) -> str:
    """A PATH on which `credgate` is this interpreter's credgate, as after `pip install`."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "credgate"
    shim.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m credgate \"$@\"\n")
    shim.chmod(0o755)
    return f"{bindir}{os.pathsep}{os.environ['PATH']}"


# What the plain pre-commit hook's gitignore gate needs: dotenv files and private keys ignored.
GITIGNORE = ".env\n.env.*\n!.env.example\n*.pem\n*.key\nid_rsa\nid_dsa\nid_ecdsa\nid_ed25519\n*.ppk\n"


def covered(repo: Repo) -> None:
    """Commit a .gitignore that passes `credgate check-gitignore`, so a test's commit is judged on
    what it stages."""
    repo.stage(".gitignore", GITIGNORE)
    repo.commit("ignore credential files")


def test_install_copies_hooks_and_commit_is_blocked(repo: Repo, tmp_path: Path) -> None:
    assert install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO())) == 0
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    assert os.access(hook, os.X_OK)
    repo.stage(".env.master", env_file_with_aws())
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    proc = subprocess.run(
        ["git", "commit", "-m", "leak"], cwd=repo.path, capture_output=True, text=True, env=env
    )
    assert proc.returncode != 0
    assert "aws-access-key-id" in proc.stdout + proc.stderr
    assert repo.git("rev-parse", "-q", "--verify", "HEAD", check=False) == ""


def test_refuses_to_overwrite_a_foreign_hook(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nrun-my-linter\n")
    with pytest.raises(UsageError, match="not a credgate hook"):
        install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    assert "run-my-linter" in hook.read_text()
    install_hooks.run(["pre-commit"], force=True, opts=Options(out=io.StringIO()))
    assert "credgate" in hook.read_text()


def test_core_hooks_path_is_honoured(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    assert (repo.path / ".githooks" / "pre-commit").exists()


def test_plain_hook_via_core_hooks_path_blocks_then_passes(repo: Repo, tmp_path: Path) -> None:
    covered(repo)
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    repo.write(".env.master", env_file_with_aws())
    repo.git("add", "-f", ".env.master")  # force-added past .gitignore
    blocked = subprocess.run(
        ["git", "commit", "-m", "x"], cwd=repo.path, capture_output=True, text=True, env=env
    )
    assert blocked.returncode != 0 and "AKIA****" in blocked.stdout + blocked.stderr
    repo.git("rm", "-q", "--cached", ".env.master")
    repo.stage("README.md", "hello\n")
    ok = subprocess.run(["git", "commit", "-m", "x"], cwd=repo.path, capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_plain_hook_fails_closed_without_credgate(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    repo.stage("a.txt", "a\n")
    env = {**os.environ, "PATH": "/usr/bin:/bin", "CREDGATE": "credgate-not-installed"}
    proc = subprocess.run(
        ["git", "commit", "-m", "x"], cwd=repo.path, capture_output=True, text=True, env=env
    )
    assert proc.returncode != 0
    assert "not installed or not on PATH" in proc.stderr
