"""Streaming `git log` with raw entries and zero-context patches, a commit at a time.

Memory holds one commit's patch at a time, and one piece of a file's patch when that is large.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from typing import IO, Iterator, Sequence

from credgate.errors import InternalError
from credgate.gitio.diff import Change, _attach_sections, _LargeSection
from credgate.gitio.merges import merge_changes
from credgate.gitio.objects import BlobReader
from credgate.gitio.run import _LOG_PINNED, GitCommandError, _env, _feed, git_cmd

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
    """iter_commits() in one `git log` (without `patch`: the raw entries only; `paths` limits it).

    git prints no diff for a merge here: what a merge adds is read by gitio/merges.py, for a batch of
    merges at a time, while the commits after them wait (in the order git gave, so callers see the walk's
    order), held up to a bounded amount of patch text.
    """
    selection = ["--no-walk=unsorted", "--stdin"] if commits is not None else list(revs)
    args = git_cmd(
        "log", "--format=%x01CG %H %P%x02%at", "--raw", *(_PATCH_FLAGS if patch else ()), "-z", "--no-abbrev",
        "--no-color", "--no-ext-diff", "--no-textconv", "--text", "--find-renames",
        "--diff-merges=off", "--diff-algorithm=myers", "--ignore-submodules=none", "-O/dev/null",
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
        held = _Held(cwd, keep_text) if patch else None
        try:
            for commit in _parse_log(_Stream(proc.stdout), keep_text, patch):
                if held is None:
                    yield commit
                elif held.add(commit):
                    yield from held.flush()
            if held is not None:
                yield from held.flush()
        finally:
            proc.stdout.close()
            rc = proc.wait()
            if held is not None:
                held.close()
        if rc != 0:
            errfile.seek(0)
            raise GitCommandError(["log", *revs], rc, errfile.read())


class _Held:
    """Commits waiting for the merges among them to be read, in the order git walked them."""

    MERGES = 256  # merges read per batch (one `git log` listing them)
    TEXT = 32 << 20  # patch text held at most while they wait

    def __init__(self, cwd: str | None, keep_text: bool) -> None:
        self.cwd, self.keep_text = cwd, keep_text
        self.commits: list[Commit] = []
        self.merges: dict[str, Commit] = {}
        self.text = 0
        self._reader: BlobReader | None = None

    def add(self, commit: Commit) -> bool:
        """Hold a commit; whether it is time to flush()."""
        if len(commit.parents) > 1:
            self.merges[commit.sha] = commit
        elif not self.merges:
            self.commits.append(commit)
            return True  # nothing to wait for
        else:
            self.text += sum(len(text) for change in commit.changes for _, _, text in change.added_blocks)
        self.commits.append(commit)
        return len(self.merges) >= self.MERGES or self.text >= self.TEXT

    def flush(self) -> list[Commit]:
        if self.merges:
            if self._reader is None:
                self._reader = BlobReader(SECTION_LIMIT, self.cwd)
            for merge in merge_changes(list(self.merges), self._reader, self.cwd, self.keep_text):
                self.merges[merge.sha].changes = merge.changes
        out, self.commits, self.merges, self.text = self.commits, [], {}, 0
        return out

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


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
            _attach_sections(changes, sections, strict=True, keep_text=keep_text)
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
