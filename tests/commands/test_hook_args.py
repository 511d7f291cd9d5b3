"""Hooks that take file names end option parsing before them: a file name is never read as an option."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, Repo, secret


def cli(*args: str, pre_commit: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"PRE_COMMIT": "1"} if pre_commit else {})}
    return subprocess.run([sys.executable, "-m", "credgate", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("command", ["secrets", "files"])
def test_under_pre_commit_file_names_without_the_separator_are_refused(repo: Repo, command: str) -> None:
    repo.stage("--help", "clean\n")
    refused = cli(command, "--help", pre_commit=True)
    assert refused.returncode == 2
    assert "without `--`" in refused.stderr and "Usage:" not in refused.stdout + refused.stderr


def test_after_the_separator_an_option_shaped_name_is_a_file(repo: Repo) -> None:
    for name in ("--help", "-p.py", "--config=evil.toml", "--all-lines"):
        repo.write(name, f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
        repo.git("add", "--", name)
    proc = cli(
        "secrets", "--verbose", "--", "--help", "-p.py", "--config=evil.toml", "--all-lines", pre_commit=True
    )
    assert proc.returncode == 1, proc.stderr
    for name in ("--help", "-p.py", "--config=evil.toml", "--all-lines"):
        assert f"{name}:1:10  github-pat" in proc.stdout
    assert "credgate: scanned 4 files" in proc.stderr


def test_files_hook_judges_an_option_shaped_credential_file(repo: Repo) -> None:
    repo.stage("--version", secret("%%pem:RSA_PRIVATE_KEY%%") + "\n")
    proc = cli("files", "--", "--version", pre_commit=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "--version  private-key" in proc.stdout and "credgate, version" not in proc.stdout


def test_every_hook_that_takes_file_names_ends_its_args_with_the_separator() -> None:
    import yaml

    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    takes_files = [h for h in hooks if h.get("pass_filenames", True)]
    assert {h["id"] for h in takes_files} == {"credgate-secrets", "credgate-files"}
    for hook in takes_files:
        assert hook.get("args", [])[-1:] == ["--"], hook["id"]


def test_without_pre_commit_plain_usage_is_unchanged(repo: Repo, tmp_path: Path) -> None:
    repo.stage("a.py", "x = 1\n")
    assert cli("secrets", "-v").returncode == 0
    assert cli("secrets", "a.py").returncode == 0


def test_files_gate_judges_a_renamed_template_alike_with_or_without_file_names(repo: Repo) -> None:
    """A template holding an old real-looking value, moved with `git mv`: the plain hook (no names)
    and pre-commit (the new name) agree that a pure rename adds nothing."""
    repo.stage("config/.env.example", f"API_TOKEN={secret('%%github:ghp_%%')}\n")
    repo.commit("an old template")
    (repo.path / "deploy").mkdir()
    repo.git("mv", "config/.env.example", "deploy/.env.example")
    assert cli("files").returncode == 0
    assert cli("files", "--", "deploy/.env.example", pre_commit=True).returncode == 0
    repo.stage(
        "deploy/.env.example",
        (repo.path / "deploy/.env.example").read_text() + f"NEW={secret('%%github:ghp_%%')}\n",
    )
    assert cli("files").returncode == 1
    assert cli("files", "--", "deploy/.env.example", pre_commit=True).returncode == 1
