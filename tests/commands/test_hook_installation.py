"""Hooks go where git runs them, are written without following links, leave other tools' hooks
alone, and run the credgate they were installed with (issue 18, items 5, 7 and 10)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import gitio
from credgate.commands import audit, install_hooks
from credgate.commands._options import Options
from credgate.errors import UsageError
from credgate.gate import hooks as hooks_gate
from tests.conftest import PROJECT, Repo, env_file_with_aws, secret


def commit(repo: Repo, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-m", "x"], cwd=repo.path, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip


def stage_token(repo: Repo) -> None:
    repo.stage("deploy.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")


def hooks_check(repo: Repo) -> dict[str, object]:
    out = io.StringIO()
    audit.run(("tracked", "history", "gitignore", "ci"), opts=Options(fmt="json", out=out))
    data: dict[str, object] = json.loads(out.getvalue())["checks"]["hooks"]
    return data


# ---------------------------------------------------------------- item 5: the directory git uses


def test_hooks_path_from_config_worktree_is_where_hooks_go_and_what_audit_judges(repo: Repo) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit()
    repo.git("config", "extensions.worktreeConfig", "true")
    repo.git("config", "--worktree", "core.hooksPath", ".wt-hooks")
    assert gitio.hooks_dir() == str(repo.path / ".wt-hooks")
    # Hooks in .git/hooks are not run: audit must say so, not SAFE.
    install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    assert (repo.path / ".wt-hooks" / "pre-commit").exists()
    assert not (repo.path / ".git" / "hooks" / "pre-commit").exists()
    stage_token(repo)
    blocked = commit(repo)
    assert blocked.returncode == 1 and "github-pat" in blocked.stdout + blocked.stderr
    assert hooks_check(repo)["verdict"] == "SAFE"
    # The same hook in .git/hooks only: git never runs it, and audit says UNSAFE.
    (repo.path / ".git" / "hooks").mkdir(exist_ok=True)
    os.replace(repo.path / ".wt-hooks" / "pre-commit", repo.path / ".git" / "hooks" / "pre-commit")
    check = hooks_check(repo)
    assert check["verdict"] == "UNSAFE"
    assert check["hooks_dir"] == str(repo.path / ".wt-hooks")


def test_hooks_path_from_include_if_hasconfig_remote_url(repo: Repo, tmp_path: Path) -> None:
    team = tmp_path / "team-hooks"
    included = tmp_path / "team.gitconfig"
    included.write_text(f"[core]\n\thooksPath = {team}\n")
    repo.git("config", "includeIf.hasconfig:remote.*.url:https://git.example.invalid/**.path", str(included))
    assert gitio.hooks_dir() == str(repo.path / ".git" / "hooks")  # no matching remote yet
    repo.git("remote", "add", "origin", "https://git.example.invalid/acme/app.git")
    assert gitio.hooks_dir() == str(team)
    install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    assert (team / "pre-commit").exists()
    stage_token(repo)
    assert commit(repo).returncode == 1
    assert hooks_check(repo)["verdict"] == "SAFE"


def test_hooks_dir_outside_a_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="not inside a git repository"):
        gitio.hooks_dir()


# ---------------------------------------------------------------- item 7: link-safe, other hooks kept


def test_a_planted_symlink_never_redirects_the_write(repo: Repo, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    victim.chmod(0o600)
    hooks = repo.path / ".githooks"  # a hooks directory tracked in the repository
    hooks.mkdir()
    repo.git("config", "core.hooksPath", ".githooks")
    for name in ("pre-commit.credgate-tmp", ".pre-commit.credgate-tmp", "pre-push.credgate-tmp"):
        (hooks / name).symlink_to(victim)
    install_hooks.run(opts=Options(out=io.StringIO()))
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    hook = hooks / "pre-commit"
    assert not hook.is_symlink() and os.access(hook, os.X_OK)
    assert hooks_gate.is_managed(hook.read_bytes())
    assert not [p for p in hooks.iterdir() if ".credgate-tmp." in p.name]  # no temporary left behind


def test_a_hook_that_is_a_symlink_is_replaced_not_written_through(repo: Repo, tmp_path: Path) -> None:
    victim = tmp_path / "victim.sh"
    victim.write_text("#!/bin/sh\n# credgate\nexit 0\n")
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.symlink_to(victim)
    with pytest.raises(UsageError, match="not a credgate hook"):
        install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    out = io.StringIO()
    install_hooks.run(["pre-commit"], force=True, opts=Options(out=out))
    assert victim.read_text() == "#!/bin/sh\n# credgate\nexit 0\n"
    assert not hook.is_symlink() and hooks_gate.is_managed(hook.read_bytes())
    [backup] = [p for p in hook.parent.iterdir() if ".credgate-backup." in p.name]
    assert backup.is_symlink() and os.readlink(backup) == str(victim)
    assert str(backup) in out.getvalue()


def test_a_hook_that_only_mentions_credgate_is_not_taken_over(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    original = "#!/bin/sh\n# TODO: also run credgate here one day\nrun-my-linter\n"
    hook.write_text(original)
    hook.chmod(0o755)
    # audit does not count it as a gate either.
    assert hooks_check(repo)["verdict"] == "UNSAFE"
    with pytest.raises(UsageError) as exc:
        install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    assert "--force" in (exc.value.hint or "") and "credgate-backup" in (exc.value.hint or "")
    assert hook.read_text() == original
    # A refusal writes nothing, not even the hooks that were free.
    assert not (hook.parent / "pre-push").exists()
    assert not [p for p in hook.parent.iterdir() if "credgate-tmp" in p.name]
    install_hooks.run(["pre-commit"], force=True, opts=Options(out=io.StringIO()))
    [backup] = [p for p in hook.parent.iterdir() if p.name.startswith("pre-commit.credgate-backup.")]
    assert backup.read_text() == original
    assert hooks_gate.is_managed(hook.read_bytes())


def test_credgates_own_hook_is_upgraded_without_force(repo: Repo) -> None:
    install_hooks.run(opts=Options(out=io.StringIO()))
    install_hooks.run(opts=Options(out=io.StringIO()))
    hooks = repo.path / ".git" / "hooks"
    assert not [p for p in hooks.iterdir() if "credgate-backup" in p.name]


def test_the_cli_refusal_is_exit_2_with_how_to_fix(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nother-tool\n")
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "install-hooks"], cwd=repo.path, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "not a credgate hook" in proc.stderr and "--force" in proc.stderr
    assert hook.read_text() == "#!/bin/sh\nother-tool\n"


# ---------------------------------------------------------------- item 10: which credgate runs


def plant_fake_credgate(repo: Repo, marker: Path) -> None:
    fake = repo.path / "credgate"
    fake.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 0\n")
    fake.chmod(0o755)
    repo.git("add", "credgate")


def test_installed_hook_runs_the_credgate_it_was_installed_with(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "fake-ran"
    plant_fake_credgate(repo, marker)
    install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO()))
    body = (repo.path / ".git" / "hooks" / "pre-commit").read_text()
    assert f"CREDGATE_PYTHON={sys.executable}" in body or f"CREDGATE_PYTHON='{sys.executable}'" in body
    stage_token(repo)
    # `.` and an empty entry (the current directory too) first on PATH, and no credgate anywhere else.
    proc = commit(repo, {"PATH": ".::/usr/bin:/bin"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "github-pat" in proc.stdout + proc.stderr
    assert not marker.exists()


def test_shipped_hook_skips_relative_path_entries(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "fake-ran"
    plant_fake_credgate(repo, marker)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "credgate"
    shim.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m credgate \"$@\"\n")
    shim.chmod(0o755)
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))  # the shipped hooks, nothing recorded
    stage_token(repo)
    proc = commit(repo, {"PATH": f".:{bindir}:/usr/bin:/bin"})
    assert proc.returncode == 1 and "github-pat" in proc.stdout + proc.stderr
    assert not marker.exists()
    # With only the committed one reachable, the hook fails closed instead of running it.
    proc = commit(repo, {"PATH": ".:/usr/bin:/bin"})
    assert proc.returncode != 0 and "the pre-commit hook cannot run" in proc.stderr
    assert not marker.exists()


def test_a_recorded_interpreter_that_is_gone_falls_back_to_path(repo: Repo, tmp_path: Path) -> None:
    install_hooks.run(
        ["pre-commit"], opts=Options(out=io.StringIO()), python=str(tmp_path / "gone" / "python")
    )
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "credgate"
    shim.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m credgate \"$@\"\n")
    shim.chmod(0o755)
    repo.stage(".env.production", env_file_with_aws())
    proc = commit(repo, {"PATH": f"{bindir}:/usr/bin:/bin"})
    assert proc.returncode == 1 and "AKIA****" in proc.stdout + proc.stderr
