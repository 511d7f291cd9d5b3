"""History rewriting support: backups, reflogs and git-filter-repo (a separate install)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Sequence

from credgate.gitio.run import GitCommandError, _env, git_cmd, run


def backup_refs(names: Sequence[str], prefix: str, cwd: str | None = None) -> None:
    """Point refs under prefix at what each named ref points at now, in one transaction."""
    lines = "".join(f"create {prefix}/{name.removeprefix('refs/')} {name}\n" for name in names)
    run("update-ref", "--stdin", cwd=cwd, input=lines.encode())


def bundle_all(target: str, cwd: str | None = None) -> None:
    run("bundle", "create", target, "--all", cwd=cwd)


def filter_repo_exe() -> str | None:
    """git-filter-repo, installed beside credgate (`credgate[remediate]`) or on PATH."""
    import shutil

    beside = os.path.join(os.path.dirname(sys.executable), "git-filter-repo")
    return beside if os.access(beside, os.X_OK) else shutil.which("git-filter-repo")


def filter_repo_works(exe: str) -> bool:
    """Whether it runs at all (a broken shebang or a missing Python fails here, not mid-rewrite)."""
    try:
        proc = subprocess.run([exe, "--version"], env=_env(), capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def reflog_exists(name: str, cwd: str | None = None) -> bool:
    proc = subprocess.run(git_cmd("reflog", "exists", name), cwd=cwd, env=_env(), capture_output=True)
    return proc.returncode == 0


def expire_reflogs(names: Sequence[str], cwd: str | None = None) -> None:
    """Empty the reflogs of names (and HEAD), as git-filter-repo does after a full rewrite: each entry
    names pre-rewrite commits (even the rewrite's own entry, as its old value)."""
    have = [n for n in ["HEAD", *names] if reflog_exists(n, cwd)]
    if have:
        run("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--", *have, cwd=cwd)


def run_filter_repo(exe: str, args: Sequence[str], cwd: str | None = None) -> None:
    """Run a git-filter-repo found (and checked) beforehand by `filter_repo_exe`."""
    proc = subprocess.run([exe, *args], cwd=cwd, env=_env(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise GitCommandError(["filter-repo"], proc.returncode, proc.stderr or proc.stdout)
