"""Streaming `git log` with raw entries and zero-context patches, a commit at a time.

Memory holds one commit's patch at a time, and one piece of a file's patch when that is large.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from typing import IO, Iterator, Sequence

from credgate.errors import InternalError
from credgate.gitio.diff import (
    ZERO_SHA_CHARS,
    Change,
    _attach_sections,
    _LargeSection,
    attach_added_lines,
    parse_raw,
)
from credgate.gitio.objects import read_blobs
from credgate.gitio.run import GitCommandError, _env, _feed, git_cmd, run

_LOG_HEADER = b"\x01CG "


@dataclass
class Commit:
    sha: str
    parents: list[str]
    time: int
    changes: list[Change]


class _Stream:
    """Incremental reader over git's output with delimiter search that never rescans."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._buf = b""
        self._pos = 0
        self._eof = False
        self.found = False  # whether the last until() met its delimiter

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._raw.read(1 << 20)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n and self._more():
            pass
        return self._buf[self._pos : self._pos + n]

    def skip(self, n: int) -> None:
        self._pos += n

    def until(self, delim: bytes) -> bytes:
        """Bytes up to delim (consumed); the rest of the stream at EOF."""
        start = self._pos
        while True:
            at = self._buf.find(delim, start)
            if at != -1:
                out = self._buf[self._pos : at]
                self._pos = at + len(delim)
                self.found = True
                return out
            start = max(self._pos, len(self._buf) - len(delim) + 1)
            offset = self._pos
            if not self._more():
                out = self._buf[self._pos :]
                self._pos = len(self._buf)
                self.found = False
                return out
            start -= offset  # _more() re-based the buffer at the old position

    def until_either(self, first: bytes, second: bytes, limit: int) -> tuple[bytes, bytes | None]:
        """Bytes up to the nearer delimiter (consumed) and which one it was; None with at most
        `limit` bytes when neither is that near (call again for the next piece), or at EOF."""
        longest = max(len(first), len(second))
        start = self._pos
        while True:
            # Never past the piece, and the second only before the first: a commit's many small sections
            # cost one pass over its patch, not one over the buffer each.
            end = self._pos + limit + longest
            at1 = self._buf.find(first, start, end)
            at2 = self._buf.find(second, start, at1 + len(second) if at1 != -1 else end)
            hits = [(at, d) for at, d in ((at1, first), (at2, second)) if at != -1]
            if hits:
                at, delim = min(hits)
                if at - self._pos <= limit:
                    out = self._buf[self._pos : at]
                    self._pos = at + len(delim)
                    return out, delim
            if len(self._buf) - self._pos >= limit + longest:
                # A delimiter that starts within the piece would have been found whole.
                out = self._buf[self._pos : self._pos + limit]
                self._pos += limit
                return out, None
            start = max(self._pos, len(self._buf) - longest + 1)
            offset = self._pos
            if not self._more():
                out = self._buf[self._pos :]
                self._pos = len(self._buf)
                return out, None
            start -= offset


# -U and --inter-hunk-context imply -p: a listing without the patch leaves all three out.
_PATCH_FLAGS = ("-p", "-U0", "--inter-hunk-context=0")


def _iter_log(
    revs: Sequence[str],
    cwd: str | None,
    keep_text: bool,
    commits: Sequence[str] | None,
    patch: bool = True,
    paths: Sequence[str] = (),
) -> Iterator[Commit]:
    """iter_commits() in one `git log` (without `patch`: the raw entries only; `paths` limits it)."""
    selection = ["--no-walk=unsorted", "--stdin"] if commits is not None else list(revs)
    args = git_cmd(
        "log", "--format=%x01CG %H %P%x02%at", "--raw", *(_PATCH_FLAGS if patch else ()), "-z", "--no-abbrev",
        "--no-color", "--no-ext-diff", "--no-textconv", "--text", "--find-renames",
        "--diff-merges=remerge", "--diff-algorithm=myers", "--ignore-submodules=none", "-O/dev/null",
        "--src-prefix=a/", "--dst-prefix=b/", *_LOG_PINNED, *selection, "--", *paths,
    )  # fmt: skip
    import tempfile  # only history commands need it; the commit hook does not pay for it

    with tempfile.TemporaryFile() as errfile:
        stdin = subprocess.PIPE if commits is not None else subprocess.DEVNULL
        proc = subprocess.Popen(
            args, cwd=cwd, env=_env(), stdin=stdin, stdout=subprocess.PIPE, stderr=errfile
        )
        assert proc.stdout is not None
        if commits is not None:
            assert proc.stdin is not None
            data = "".join(f"{c}\n" for c in commits).encode()
            threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True).start()
        try:
            for commit in _parse_log(_Stream(proc.stdout), keep_text, patch):
                if len(commit.parents) > 2:
                    # git has no remerge diff for an octopus ("Skipping remerge-diff for octopus merges").
                    commit.changes = octopus_changes(commit.sha, commit.parents, cwd, keep_text)
                yield commit
        finally:
            proc.stdout.close()
            rc = proc.wait()
        if rc != 0:
            errfile.seek(0)
            raise GitCommandError(["log", *revs], rc, errfile.read())


# Flags that win over any config: every commit (a root or orphan one too) with its full patch,
# nothing else between commits (signature checks, notes, decorations), and no re-encoding.
_LOG_PINNED = (
    "--root", "--no-show-signature", "--no-notes", "--no-decorate", "--no-mailmap", "--no-abbrev-commit",
    "--encoding=UTF-8", "--submodule=short",
)  # fmt: skip


_DIFF_FLAGS = (
    "--raw", "-p", "-z", "-U0", "--no-abbrev", "--inter-hunk-context=0", "--no-color", "--no-ext-diff",
    "--no-textconv", "--text", "--diff-algorithm=myers", "--ignore-submodules=none", "--submodule=short",
    "-O/dev/null", "--src-prefix=a/", "--dst-prefix=b/",
)  # fmt: skip


def octopus_changes(
    sha: str, parents: Sequence[str], cwd: str | None = None, keep_text: bool = False
) -> list[Change]:
    """What a merge of three or more parents adds: lines no parent has.

    The diff against the first parent, less every added line that another
    parent already has at the same path (those came from a merged branch, which
    is judged on its own commits). A file the merge takes unchanged from some
    parent adds nothing; a line in no parent (an evil merge, a file only the merge
    creates) is added.
    """
    out = run("diff-tree", "-r", "--find-renames", *_DIFF_FLAGS, parents[0], sha, "--", cwd=cwd)
    changes, patch = parse_raw(out)
    attach_added_lines(changes, patch, keep_text=True)
    # Per other parent: path -> that parent's blob there (None: the path is not in it). A path
    # missing from the map is identical in that parent and in the merge.
    others: list[dict[bytes, str | None]] = []
    for parent in parents[1:]:
        raw, _ = parse_raw(
            run("diff-tree", "-r", "--raw", "-z", "--no-abbrev", "--no-renames", parent, sha, "--", cwd=cwd)
        )
        absent = {c.path for c in raw if set(c.old_sha.encode()) == ZERO_SHA_CHARS or c.old_mode == "160000"}
        others.append({c.path: None if c.path in absent else c.old_sha for c in raw})
    wanted = {sha_ for other in others for sha_ in other.values() if sha_}
    order = list(wanted)
    # An oversized parent version cannot be compared: its lines are not credited to it (fail closed).
    lines_of = {
        blob.sha: set(blob.data.split(b"\n"))
        for blob in read_blobs(order, 1 << 26, cwd)
        if blob.data is not None
    }
    kept = []
    for change in changes:
        if any(change.path not in other for other in others):
            continue  # the merge takes this file as one of its parents has it
        inherited: set[bytes] = set()
        for other in others:
            blob_sha = other[change.path]
            if blob_sha:
                inherited |= lines_of.get(blob_sha, set())
        blocks: list[tuple[int, int, bytes]] = []
        added: set[int] = set()
        for first, _count, text in change.added_blocks:
            run_start, run_lines = 0, list[bytes]()
            for i, line in enumerate(text.split(b"\n")):
                if line in inherited:
                    if run_lines:
                        blocks.append((run_start, len(run_lines), b"\n".join(run_lines)))
                    run_lines = []
                    continue
                if not run_lines:
                    run_start = first + i
                run_lines.append(line)
                added.add(first + i)
            if run_lines:
                blocks.append((run_start, len(run_lines), b"\n".join(run_lines)))
        change.added = added
        change.added_blocks = blocks if keep_text else []
        kept.append(change)
    return kept


def _parse_log(s: _Stream, keep_text: bool = False, patch: bool = True) -> Iterator[Commit]:
    while True:
        head = s.peek(len(_LOG_HEADER))
        if not head:
            return
        if head != _LOG_HEADER:
            raise InternalError("unexpected output from git log (a commit header was expected)")
        s.skip(len(_LOG_HEADER))
        ids, _, when = s.until(b"\0").partition(b"\x02")
        sha, *parents = ids.decode("ascii").split()
        if s.peek(1) == b"\n":
            s.skip(1)
        changes: list[Change] = []
        while s.peek(1) == b":":
            s.skip(1)
            meta = s.until(b"\0").decode("ascii").split(" ")
            status = meta[4]
            first = s.until(b"\0")
            change = Change(status[0], meta[0], meta[1], meta[2], meta[3], first)
            if status[0] in ("R", "C"):
                change.old_path, change.path = first, s.until(b"\0")
            changes.append(change)
        if s.peek(1) == b"\0":
            s.skip(1)
        nxt = s.peek(len(_LOG_HEADER))
        sections: list[bytes | _LargeSection] = []
        if nxt and nxt != _LOG_HEADER:
            sections = _read_sections(s)
        if patch:
            _attach_sections(changes, sections, strict=len(parents) < 2, keep_text=keep_text)
        yield Commit(sha, parents, int(when or 0), changes)


SECTION_LIMIT = 8 << 20  # a file's patch larger than this is read a piece at a time, its text not kept


_SECTION = b"\ndiff --git "


_NEXT_COMMIT = b"\n" + _LOG_HEADER


def _read_sections(s: _Stream, limit: int = SECTION_LIMIT) -> list[bytes | _LargeSection]:
    """One commit's patch, a section per file, up to the next commit's header (left unread).

    Memory holds one ordinary section at a time, or a piece of `limit` bytes of a large one:
    a 100 MB file's patch is never held whole.
    """
    sections: list[bytes | _LargeSection] = []
    if s.peek(len(_SECTION) - 1) == _SECTION[1:]:
        s.skip(len(_SECTION) - 1)
    while True:
        piece, delim = s.until_either(_SECTION, _NEXT_COMMIT, limit)
        if delim is None and len(piece) == limit:
            large = _LargeSection()
            while delim is None and piece:
                large.feed(piece)
                piece, delim = s.until_either(_SECTION, _NEXT_COMMIT, limit)
            large.feed(piece, final=True)
            sections.append(large)
        elif piece:
            sections.append(piece)
        if delim == _NEXT_COMMIT:
            s.skip(-len(_LOG_HEADER))  # the next commit's header marker was consumed: step back onto it
        if delim != _SECTION:
            return sections
