"""A pushed `refs/replace/<commit>` must not make the server's gate read another commit's content."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, env_file_with_aws


def push(repo: Repo, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


def test_a_replace_ref_does_not_hide_a_commit_from_pre_receive(repo: Repo, tmp_path: Path) -> None:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_bytes((PROJECT / "hooks" / "pre-receive").read_bytes())
    hook.chmod(0o755)
    repo.git("remote", "add", "origin", str(bare))
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    assert push(repo, tmp_path, "origin", "main").returncode == 0
    repo.git("checkout", "-q", "-b", "decoy")
    repo.stage("app.py", "x = 1\n")
    repo.commit("clean")
    decoy = repo.git("rev-parse", "HEAD").strip()
    assert push(repo, tmp_path, "origin", "decoy").returncode == 0
    repo.git("checkout", "-q", "-b", "leak", "main")
    repo.stage("prod.env", env_file_with_aws())
    repo.commit("keys")
    leak = repo.git("rev-parse", "HEAD").strip()
    # Tell git to read the leaking commit as the clean one, and give the server that instruction first.
    repo.git("replace", leak, decoy)
    assert push(repo, tmp_path, "origin", f"refs/replace/{leak}").returncode == 0
    rejected = push(repo, tmp_path, "origin", "leak")
    assert rejected.returncode != 0, rejected.stderr
    assert "prod.env:2" in rejected.stderr
