"""Repository layout, asked of git itself: work tree root, git directory, hooks, config values.

Anything git resolves through config scopes (`config.worktree`, `includeIf`, `GIT_CONFIG_*`,
`-c`) or worktrees is asked of git (`rev-parse --git-path`, `git config`), never re-derived
from files: a reader that misses one of them looks in a place git does not.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from credgate.errors import UsageError
from credgate.gitio.run import GitCommandError, _env, git_cmd, run

EMPTY_TREE = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}


@dataclass(frozen=True)
class RepoState:
    """Where the work tree is, its hash algorithm and HEAD, from one `git rev-parse`."""

    toplevel: str
    object_format: str
    head: str | None  # None on an unborn branch (the first commit)

    @property
    def diff_base(self) -> str:
        return self.head or EMPTY_TREE[self.object_format]


def repo_state(cwd: str | None = None) -> RepoState:
    """Work tree root, hash algorithm and HEAD in one git call (this is on every commit)."""
    from credgate.gitio import early

    read = early.take("repo_state", cwd)
    if read is not None:
        return read()  # type: ignore[no-any-return]
    try:
        proc = subprocess.run(
            git_cmd("rev-parse", "--show-toplevel", "--show-object-format", "HEAD^{commit}"),
            cwd=cwd, env=_env(), capture_output=True, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise UsageError(
            "git is not installed or not on PATH", "install git, then run credgate again"
        ) from None
    lines = proc.stdout.split(b"\n")
    if proc.returncode == 0 and len(lines) >= 3:
        return RepoState(os.fsdecode(lines[0]), lines[1].decode(), lines[2].decode())
    if len(lines) >= 3 and b"unknown revision" in proc.stderr:
        return RepoState(os.fsdecode(lines[0]), lines[1].decode(), None)
    _raise_not_repo(proc.stderr)
    raise GitCommandError(["rev-parse"], proc.returncode, proc.stderr)


def _raise_not_repo(stderr: bytes) -> None:
    if b"not a git repository" in stderr:
        raise UsageError(
            "not inside a git repository",
            "run credgate from inside your repository, or use `credgate scan PATH` for plain files",
        )
    if b"must be run in a work tree" in stderr:
        raise UsageError("this is a bare repository: there is no index to scan", "use the pre-receive hook")


def toplevel(cwd: str | None = None) -> str:
    try:
        out = run("rev-parse", "--show-toplevel", cwd=cwd)
    except GitCommandError as exc:
        _raise_not_repo(exc.stderr)
        raise
    return os.fsdecode(out.rstrip(b"\n"))


def hooks_dir(cwd: str | None = None) -> str:
    """The directory git itself runs hooks from in this clone, absolute.

    Asked of git (`rev-parse --git-path hooks`), never re-derived: `core.hooksPath` can come from
    `config.worktree`, an `includeIf` (`gitdir:`, `onbranch:`, `hasconfig:remote.*.url:`), the
    environment (`GIT_CONFIG_*`) or `-c`, and a relative value is taken from the work tree root.
    A reader that misses any of these installs or audits hooks git never runs.
    """
    try:
        return git_path("hooks", cwd)
    except GitCommandError as exc:
        _raise_not_repo(exc.stderr)
        raise


def config_path_value(key: str, cwd: str | None = None) -> str | None:
    """A path-typed config value (`~` expanded by git), or None when unset."""
    out = run("config", "--type=path", "--get", key, cwd=cwd, check=False).decode("utf-8", "surrogateescape")
    return out.rstrip("\n") or None


def config_value(key: str, cwd: str | None = None) -> str | None:
    out = run("config", "--get", key, cwd=cwd, check=False).decode("utf-8", "surrogateescape")
    return out.rstrip("\n") or None


def git_path(name: str, cwd: str | None = None) -> str:
    """Absolute path of a file inside the git directory (`info/exclude`, `hooks`, `shallow`...)."""
    out = run("rev-parse", "--path-format=absolute", "--git-path", name, cwd=cwd)
    return os.fsdecode(out.rstrip(b"\n"))


@dataclass(frozen=True)
class Layout:
    """Where a repository lives: its git directory and, unless it is bare, its work tree."""

    git_dir: str
    work_tree: str | None  # None: a bare or mirror repository, no index and no checkout
    mirror: bool  # a remote is configured with `mirror = true` (`git clone --mirror`)


def layout(cwd: str | None = None) -> Layout:
    """The repository around cwd, bare or not. Commands that need no index work in both."""
    try:
        out = run("rev-parse", "--absolute-git-dir", "--is-bare-repository", cwd=cwd)
    except GitCommandError as exc:
        _raise_not_repo(exc.stderr)
        raise
    lines = out.split(b"\n")
    git_dir, bare = os.fsdecode(lines[0]), lines[1] == b"true"
    mirrors = run("config", "--get-regexp", r"^remote\..*\.mirror$", cwd=cwd, check=False)
    mirror = any(line.rsplit(b" ", 1)[-1] == b"true" for line in mirrors.splitlines())
    if bare:
        return Layout(git_dir, None, mirror)
    top = run("rev-parse", "--show-toplevel", cwd=cwd, check=False).rstrip(b"\n")
    if not top:
        # Inside the .git directory of a clone: it has a work tree, just not here.
        raise UsageError(
            "this is the git directory of a clone, not its work tree", "cd to the work tree, then run again"
        )
    return Layout(git_dir, os.fsdecode(top), mirror)


def operation_in_progress(git_dir: str) -> str | None:
    """A rebase, merge, cherry-pick, revert or bisect that a history rewrite would break."""
    for name, what in (("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
                       ("MERGE_HEAD", "a merge"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
                       ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect")):  # fmt: skip
        if os.path.exists(os.path.join(git_dir, name)):
            return what
    return None
