"""The one runner: every git command credgate runs goes through here.

Plumbing only, NUL-separated output, and every setting that changes what git
prints pinned on the command line: a user's `color.ui=always`, `core.quotePath`,
`diff.noprefix`, `diff.relative`, external diff drivers or pagers must never
change what credgate scans.

Errors carry git's own words, raw: escaping them for a terminal is the job of
whatever prints them (cli.py), never of the git layer.
"""

from __future__ import annotations

import os
import subprocess

from credgate.errors import InternalError, UsageError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import IO, Sequence

_PINNED = (
    "-c", "core.quotePath=false",
    "-c", "color.ui=never",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "diff.external=",
    "-c", "core.fsmonitor=false",
    # What `git log` prints (the push gate, history, audit): a hidden root commit, signature
    # checks or re-encoded output between commits would hide commits or break the parse.
    "-c", "log.showRoot=true",
    "-c", "log.showSignature=false",
    "-c", "log.decorate=false",
    "-c", "log.abbrevCommit=false",
    "-c", "log.follow=false",
    "-c", "log.mailmap=false",
    "-c", "i18n.logOutputEncoding=UTF-8",
    "-c", "diff.submodule=short",
    "-c", "diff.suppressBlankEmpty=false",
    "-c", "diff.renames=true",
    "-c", "diff.indentHeuristic=true",  # which of two identical lines counts as added
    # Memory: git maps pack files a window at a time and keeps the windows it read; on a long history
    # (sympy's 340 MB of packs) that alone held about 180 MB more than these bounds, at the same speed.
    "-c", "core.packedGitWindowSize=8m",
    "-c", "core.packedGitLimit=64m",
)  # fmt: skip


# Flags that win over any config: every commit (a root or orphan one too) with its full patch,
# nothing else between commits (signature checks, notes, decorations), and no re-encoding.
_LOG_PINNED = (
    "--root", "--no-show-signature", "--no-notes", "--no-decorate", "--no-mailmap", "--no-abbrev-commit",
    "--encoding=UTF-8", "--submodule=short",
)  # fmt: skip


_DROPPED_ENV = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER", "PAGER", "GIT_TRACE", "GIT_FLUSH")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a scan must not take the index lock or refresh it
    env["LC_ALL"] = "C"
    # A replace ref (refs/replace/<commit>, which a pusher can push) makes git show another object in
    # a commit's place: every object is read as it is.
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    return env


def git_cmd(*args: str, literal_pathspecs: bool = True) -> list[str]:
    # check-ignore refuses --literal-pathspecs ("pathspec magic not supported by this command"):
    # it alone opts out, and guards its own paths.
    literal = ("--literal-pathspecs",) if literal_pathspecs else ()
    # refs/replace/* (which anyone can push) would make git show one commit's content under another's id.
    return ["git", *_PINNED, "--no-pager", "--no-replace-objects", *literal, *args]


def run(
    *args: str,
    cwd: str | None = None,
    check: bool = True,
    input: bytes | None = None,
    literal_pathspecs: bool = True,
) -> bytes:
    try:
        proc = subprocess.run(
            git_cmd(*args, literal_pathspecs=literal_pathspecs),
            cwd=cwd, input=input, env=_env(), capture_output=True, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise UsageError(
            "git is not installed or not on PATH", "install git, then run credgate again"
        ) from None
    if check and proc.returncode != 0:
        raise GitCommandError(args, proc.returncode, proc.stderr)
    return proc.stdout


class GitCommandError(InternalError):
    """A git command that failed; the message quotes git's last line of stderr as git wrote it.

    The text is raw (it can hold a hostile file name): whatever prints it escapes it (cli.py).
    """

    def __init__(self, args: Sequence[str], returncode: int, stderr: bytes) -> None:
        detail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if stderr.strip() else ""
        super().__init__(f"git {args[0]} failed (exit {returncode}): {detail}")
        self.command = tuple(args)
        self.stderr = stderr
        self.returncode = returncode

    def __reduce__(self) -> tuple[type[GitCommandError], tuple[tuple[str, ...], int, bytes]]:
        # A history worker process hands its error back pickled: rebuild it from what it was made of
        # (the default would call __init__ with the message alone and fail in the parent).
        return (type(self), (self.command, self.returncode, self.stderr))


def _feed(stdin: IO[bytes], data: bytes) -> None:
    try:
        stdin.write(data)
        stdin.close()
    except BrokenPipeError:
        pass
