"""The plain git hooks: which to install, whose a hook is, and writing them link-safely.

The decisions of `credgate install-hooks` (and of `credgate init` without the pre-commit framework);
no click and no printing (output/hooks.py says what happened).
"""

from __future__ import annotations

import os
import secrets
import shlex
import stat
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator, Sequence

from credgate import gitio
from credgate.errors import UsageError

# The second line of every shipped hook. Only a file with this exact line is credgate's to replace:
# a hook that merely mentions credgate (a comment, a chained call) is someone else's.
MARKER = b"# credgate-managed-hook: `credgate install-hooks` replaces this file; edits are lost."
# The line of a shipped hook that install-hooks fills in with the interpreter credgate runs on.
PYTHON_LINE = b"CREDGATE_PYTHON=''"
_MAX_HOOK = 1 << 20  # a hook is a small script; never read a huge file (or /dev/zero behind a link) whole
_MODE = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH  # 0o755


def shipped_hooks() -> dict[str, str]:
    import importlib

    # `credgate.hooks` is the hooks/ folder mapped in as a package (see pyproject.toml).
    base = os.path.dirname(os.path.abspath(str(importlib.import_module("credgate.hooks").__file__)))
    return {
        name: os.path.join(base, name)
        for name in sorted(os.listdir(base))
        if not name.startswith(("_", ".")) and os.path.isfile(os.path.join(base, name))
    }


def is_managed(body: bytes) -> bool:
    """Whether a hook's content is one credgate installed (its marker line, exactly)."""
    return MARKER in body.splitlines()


def read_hook(path: str) -> bytes | None:
    """A regular file's first bytes, never through a symlink; None for a link or anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(_MAX_HOOK)
    finally:
        os.close(fd)


def hook_body(source: str, python: str | None) -> bytes:
    with open(source, "rb") as fh:
        body = fh.read()
    if python and os.path.isabs(python):
        recorded = b"CREDGATE_PYTHON=" + os.fsencode(shlex.quote(python))
        body = body.replace(PYTHON_LINE, recorded, 1)
    return body


def _write_new(directory: str, name: str, body: bytes) -> str:
    """Create a fresh, never-existing file in directory (no link followed) and return its path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _ in range(16):
        tmp = os.path.join(directory, f".{name}.credgate-tmp.{secrets.token_hex(8)}")
        try:
            fd = os.open(tmp, flags, _MODE)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, _MODE)  # the umask must not leave the hook unexecutable
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        return tmp
    raise UsageError(f"could not create a temporary file in {directory}", "check the directory")


def _backup(target: str) -> str:
    """Keep the existing entry (a file or a link, as it is) under a name nothing else uses."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        backup = f"{target}.credgate-backup.{stamp}" + (f".{n}" if n else "")
        try:
            # A hard link of the entry itself (a symlink stays a symlink): fails if the name exists.
            os.link(target, backup, follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError:
            # No hard links on this file system: rename, after making sure the name is free.
            if os.path.lexists(backup):
                continue
            os.rename(target, backup)
            return backup
    raise UsageError(f"could not back up {target}", "move it away by hand, then rerun")


@dataclass(frozen=True)
class Step:
    kind: str  # "kept": the hook that was not credgate's, kept at `path` (--force); "installed" at `path`
    name: str
    path: str


def install(hooks: Sequence[str] = (), force: bool = False, python: str | None = None) -> Iterator[Step]:
    """Install the hooks one by one, yielding each as it lands (a later failure leaves the earlier ones)."""
    python = sys.executable if python is None else python
    available = shipped_hooks()
    wanted = list(hooks) or [h for h in ("pre-commit", "pre-push") if h in available]
    unknown = [h for h in wanted if h not in available]
    if unknown:
        raise UsageError(
            f"no such hook: {', '.join(h for h in unknown)}", f"available: {', '.join(available)}"
        )
    target_dir = gitio.hooks_dir()
    os.makedirs(target_dir, exist_ok=True)
    # Judge every hook before writing any: a refusal must not leave a half-installed set.
    foreign = []
    for name in wanted:
        target = os.path.join(target_dir, name)
        if os.path.lexists(target):
            body = read_hook(target)
            if body is None or not is_managed(body):
                foreign.append(target)
    if foreign and not force:
        names = ", ".join(t for t in foreign)
        raise UsageError(
            f"{names} exists and is not a credgate hook (another tool's, or yours): left alone",
            "rerun with --force to replace it (the current one is kept as <hook>.credgate-backup.<time>), "
            "or keep it and add lines that run `credgate secrets`, `credgate files` and "
            "`credgate check-gitignore` (pre-commit; fail if any fails) or "
            '`credgate scan-range --pre-push "$1" "$2"` (pre-push) to it',
        )
    for name in wanted:
        target = os.path.join(target_dir, name)
        tmp = _write_new(target_dir, name, hook_body(available[name], python))
        try:
            if target in foreign:
                yield Step("kept", name, _backup(target))
            os.replace(tmp, target)  # replaces the directory entry: a symlink there is not followed
        except BaseException:
            os.unlink(tmp)
            raise
        yield Step("installed", name, target)
