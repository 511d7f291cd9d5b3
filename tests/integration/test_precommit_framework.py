"""The real pre-commit framework (from PyPI) running this repository's hooks.

The hook repository is a snapshot of this checkout, work-tree changes included,
committed into a temporary repo (what `pre-commit try-repo` does), so the test
exercises exactly the code under test. PRE_COMMIT_HOME is shared by the
session so the hook environment is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import PROJECT, Repo, env_file_with_aws, secret


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT, capture_output=True, check=True,
    ).stdout  # fmt: skip
    for rel in filter(None, listed.split(b"\0")):
        src = PROJECT / os.fsdecode(rel)
        if not src.is_file():
            continue
        dst = snapshot / os.fsdecode(rel)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    identity = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    env = {**os.environ, **identity, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=snapshot, env=env, check=True, capture_output=True)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=snapshot, env=env, capture_output=True, text=True)
    return str(snapshot), rev.stdout.strip()


@pytest.fixture
def framework_repo(
    repo: Repo, hook_repo: tuple[str, str], precommit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Repo]:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    path, rev = hook_repo
    repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: credgate-secrets\n",
    )
    repo.git("add", ".pre-commit-config.yaml")
    repo.commit("config")
    proc = precommit("install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield repo


def precommit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], capture_output=True, text=True)


def commit(repo: Repo, message: str = "change") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo.path, capture_output=True, text=True)


def test_commit_is_blocked_then_passes_once_the_secret_is_removed(framework_repo: Repo) -> None:
    repo = framework_repo
    content = env_file_with_aws()
    repo.stage(".env.master", content)
    blocked = commit(repo)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "credgate secrets" in output and "Failed" in output
    assert ".env.master:2:19  aws-access-key-id" in output
    assert content.split("AWS_SECRET_ACCESS_KEY=")[1].split("\n")[0] not in output
    repo.git("rm", "-q", "--cached", ".env.master")
    (repo.path / ".env.master").unlink()
    repo.stage("app.py", "print('ok')\n")
    ok = commit(repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout + ok.stderr


def test_unstaged_secret_does_not_block_a_commit(framework_repo: Repo) -> None:
    repo = framework_repo
    repo.stage("config.py", "DEBUG = True\n")
    token = secret("%%github:ghp_%%")
    repo.write("config.py", f"DEBUG = True\nTOKEN = '{token}'\n")
    proc = commit(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "TOKEN" in (repo.path / "config.py").read_text()  # pre-commit restored the unstaged change


def test_all_files_and_files_modes_scan_committed_content(framework_repo: Repo) -> None:
    repo = framework_repo
    repo.stage("legacy.env", env_file_with_aws())
    repo.commit("committed with --no-verify")
    repo.stage("clean.txt", "fine\n")
    all_files = precommit("run", "--all-files")
    assert all_files.returncode == 1, all_files.stdout
    assert "legacy.env:2" in all_files.stdout
    one = precommit("run", "credgate-secrets", "--files", "clean.txt")
    assert one.returncode == 0, one.stdout
    other = precommit("run", "credgate-secrets", "--files", "legacy.env")
    assert other.returncode == 1 and "legacy.env:2" in other.stdout


def test_pre_push_stage_blocks_a_push_of_a_secret_committed_with_no_verify(
    repo: Repo,
    hook_repo: tuple[str, str],
    precommit_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    path, rev = hook_repo
    repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: credgate-secrets\n"
        "      - id: credgate-range\n",
    )
    repo.git("add", ".pre-commit-config.yaml")
    repo.commit("config")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    assert precommit("install", "--hook-type", "pre-commit", "--hook-type", "pre-push").returncode == 0
    pushed = subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=repo.path, capture_output=True, text=True
    )
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("skipped the commit hook")  # --no-verify
    blocked = subprocess.run(["git", "push", "origin", "main"], cwd=repo.path, capture_output=True, text=True)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "credgate scan-range" in output and "leak.env:2:19" in output


# ---------------------------------------------------------------- file names that look like options


def _config(repo: Repo, hook_repo: tuple[str, str], hook_lines: str) -> None:
    path, rev = hook_repo
    repo.write(
        ".pre-commit-config.yaml", f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hook_lines}"
    )
    repo.git("add", ".pre-commit-config.yaml")


@pytest.mark.parametrize("name", ["--help", "-p.py", "--format=json", "--config=x.toml", "-v"])
def test_a_file_named_like_an_option_is_scanned_as_a_file(framework_repo: Repo, name: str) -> None:
    repo = framework_repo
    repo.write(name, f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    repo.git("add", "--", name)
    blocked = commit(repo)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert f"{name}:1:10  github-pat" in output
    assert "Usage:" not in output and "No such option" not in output


def test_user_args_keep_working_when_they_end_with_the_separator(
    framework_repo: Repo, hook_repo: tuple[str, str]
) -> None:
    repo = framework_repo
    _config(repo, hook_repo, "      - id: credgate-secrets\n        args: [--verbose, --]\n")
    repo.write("--help", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    repo.git("add", "--", "--help")
    blocked = commit(repo)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0 and "--help:1:10  github-pat" in output, output
    assert "credgate: scanned" in output  # --verbose was read as an option


def test_user_args_without_the_separator_are_refused_not_misread(
    framework_repo: Repo, hook_repo: tuple[str, str]
) -> None:
    repo = framework_repo
    _config(repo, hook_repo, "      - id: credgate-secrets\n        args: [--verbose]\n")
    repo.write("--help", "clean\n")
    repo.git("add", "--", "--help")
    refused = commit(repo)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "without `--`" in output and "args: [--verbose, --]" in output
    assert "Usage:" not in output


# ---------------------------------------------------------------- renames: both hook styles agree


def _plain_hook_commit(repo: Repo, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    from tests.commands.test_install_hooks import path_with_credgate

    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(
        ["git", "-c", f"core.hooksPath={PROJECT / 'hooks'}", "commit", "-m", "x"],
        cwd=repo.path, capture_output=True, text=True, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("style", ["framework", "plain"])
def test_a_pure_rename_of_an_old_secret_passes_and_an_edited_rename_blocks(
    framework_repo: Repo, tmp_path: Path, style: str
) -> None:
    repo = framework_repo
    if style == "plain":
        from tests.commands.test_install_hooks import covered

        covered(repo)  # the plain hook also runs the gitignore gate
    old = f"TOKEN = '{secret('%%github:ghp_%%')}'\n" + "".join(f"line {i}\n" for i in range(20))
    repo.stage("old_name.py", old)
    repo.commit("the secret was committed long ago")  # --no-verify

    def attempt() -> subprocess.CompletedProcess[str]:
        return commit(repo) if style == "framework" else _plain_hook_commit(repo, tmp_path)

    repo.git("mv", "old_name.py", "new_name.py")
    moved = attempt()
    assert moved.returncode == 0, moved.stdout + moved.stderr
    repo.git("mv", "new_name.py", "third_name.py")
    token = secret("%%github:ghp_%%")
    repo.stage("third_name.py", old + f"NEW = '{token}'\n")
    blocked = attempt()
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "third_name.py:22" in output and "third_name.py:1:" not in output
