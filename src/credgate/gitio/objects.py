"""Objects by id: blobs through `git cat-file --batch` (whole, skipped or streamed), trees, raw commits.

The index, not the working tree, is what a commit is judged on, so blobs are read by id.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field

from credgate.errors import InternalError
from credgate.gitio.ranges import commit_exists
from credgate.gitio.run import _env, _feed, git_cmd, run

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import IO, Callable, Iterator, Sequence


@dataclass
class Blob:
    """An object read through `git cat-file --batch`; data is None when it was over the limit."""

    sha: str
    size: int
    data: bytes | None  # None when larger than the limit (not read into memory)
    kind: str = "blob"  # the object's type: BlobReader also reads commits, tags and trees


def read_blobs(shas: Sequence[str], max_size: int, cwd: str | None = None) -> Iterator[Blob]:
    """Stream blobs through one `git cat-file --batch`; oversized ones are skipped unread."""
    if not shas:
        return
    proc = subprocess.Popen(
        git_cmd("cat-file", "--batch"),
        cwd=cwd, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None

    def feed(stdin: IO[bytes]) -> None:
        try:
            for sha in shas:
                stdin.write(sha.encode() + b"\n")
            stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, args=(proc.stdin,), daemon=True)
    writer.start()
    out = proc.stdout
    try:
        for sha in shas:
            header = out.readline()
            parts = header.split()
            if len(parts) != 3:
                raise InternalError(f"git cat-file: object {sha} is missing or unreadable; run `git fsck`")
            size = int(parts[2])
            if size > max_size:
                _skip(out, size + 1, sha)
                yield Blob(sha, size, None)
                continue
            data = out.read(size + 1)  # contents and the newline after them
            if len(data) != size + 1:
                raise InternalError(f"git cat-file ended early while reading {sha}")
            yield Blob(sha, size, data[:-1])
    finally:
        out.close()
        writer.join()
        proc.wait()


def _skip(out: IO[bytes], size: int, sha: str) -> None:
    """Read past `size` bytes of an object's answer, a piece at a time."""
    while size > 0:
        chunk = out.read(min(size, 1 << 20))
        if not chunk:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        size -= len(chunk)


class BlobReader:
    """One long-lived `git cat-file --batch` answering blob requests one at a time."""

    def __init__(self, max_size: int, cwd: str | None = None) -> None:
        self.max_size = max_size
        self._pending: BlobStream | None = None  # a streamed blob whose chunks are not all read yet
        self._proc = start_batch(cwd)

    def read(self, sha: str) -> Blob:
        return self.read_many([sha])[0]

    # Requests written ahead of their answers must fit in the pipe to git (64 KiB on Linux), or both
    # sides could wait on each other: they go in rounds of at most this many bytes.
    ROUND = 16 << 10

    def read_many(self, shas: Sequence[str]) -> list[Blob]:
        """read() of several objects for one round trip to git, not one each: a history reads a
        message per commit, and waiting on git once per commit costs more than the reading."""
        _drain(self._pending)  # a streamed blob's unread chunks come first
        self._pending = None
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        found: list[Blob] = []
        at = 0
        while at < len(shas):
            part: list[str] = []
            size = 0
            while at < len(shas) and (not part or size + len(shas[at]) < self.ROUND):
                part.append(shas[at])
                size += len(shas[at]) + 1
                at += 1
            stdin.write(b"".join(sha.encode() + b"\n" for sha in part))
            stdin.flush()
            found += [self._answer(stdout, sha) for sha in part]
        return found

    def _answer(self, stdout: IO[bytes], sha: str) -> Blob:
        parts = stdout.readline().split()
        if len(parts) != 3:
            raise InternalError(f"git cat-file: object {sha} is missing or unreadable; run `git fsck`")
        size = int(parts[2])
        # The id git answers with: a ref name asked for comes back as the object it names.
        oid, kind = parts[0].decode("ascii", "replace"), parts[1].decode("ascii", "replace")
        if size > self.max_size:
            _skip(stdout, size + 1, sha)  # a piece at a time: an object over the limit is never held
            return Blob(oid, size, None, kind)
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        return Blob(oid, size, data[:-1], kind)

    def read_stream(self, sha: str, whole_limit: int, chunk_size: int = 1 << 20) -> BlobStream:
        """Like read(), but a blob over whole_limit comes as chunks (consume them before the next read)
        and one over max_size is skipped unread, so no blob costs more memory than a chunk."""
        _drain(self._pending)
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        stream = _next_stream(stdout, sha, self.max_size, whole_limit, chunk_size)
        self._pending = stream
        return stream

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._proc.wait()


def object_message(raw: bytes) -> bytes:
    """The message of a raw commit or tag object: everything after its headers' blank line."""
    at = raw.find(b"\n\n")
    return raw[at + 2 :] if at != -1 else b""


def object_header(raw: bytes, name: bytes) -> bytes | None:
    """The first header `name` of a raw commit or tag object (before the blank line)."""
    for line in raw.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(name + b" "):
            return line[len(name) + 1 :]
    return None


def tree_blobs(tree: str, cwd: str | None = None) -> list[tuple[str, str, bytes]]:
    """(mode, blob id, path) of every file in a tree, recursively; submodules are left out."""
    out = run("ls-tree", "-r", "-z", "--full-tree", tree, cwd=cwd)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split(" ")
        if kind == "blob":
            entries.append((mode, sha, path))
    return entries


def blob_at(rev: str, path: str, cwd: str | None = None) -> str | None:
    """The blob id of path at rev, or None when rev does not have it."""
    out = run("rev-parse", "-q", "--verify", f"{rev}:{path}", cwd=cwd, check=False).strip()
    return out.decode("ascii") if out else None


def head_tree(cwd: str | None = None) -> dict[str, str]:
    """Path -> blob id of every file at HEAD."""
    out = run("ls-tree", "-r", "-z", "--full-tree", "HEAD", cwd=cwd)
    tree = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split(" ")
        if kind == "blob":
            tree[os.fsdecode(path)] = sha
    return tree


def file_at(rev: str, path: str, cwd: str | None = None) -> bytes | None:
    """The content of a regular file (or symlink target) at rev, or None when rev has no such blob."""
    out = run("ls-tree", "-z", "--full-tree", rev, "--", path, cwd=cwd, check=False)
    record = out.split(b"\0")[0]
    meta, _, _ = record.partition(b"\t")
    fields = meta.decode("ascii", "replace").split(" ")
    if len(fields) != 3 or fields[1] != "blob":
        return None
    return run("cat-file", "blob", fields[2], cwd=cwd)


def tree_paths(rev: str, cwd: str | None = None) -> set[str]:
    """Every file path in rev's tree (empty when rev is not a commit)."""
    return set(committed_entries(rev, cwd))


def blob_text(rev: str, path: str, max_size: int, cwd: str | None = None) -> bytes | None:
    """The content of path at rev (rev "" is the index), or None when absent or over max_size."""
    sha = blob_at(rev, path, cwd)
    if sha is None:
        return None
    for blob in read_blobs([sha], max_size, cwd):
        return blob.data
    return None


def committed_entries(rev: str, cwd: str | None = None) -> dict[str, tuple[str, str]]:
    """Path -> (mode, blob id) of every file in rev's tree; {} when rev does not exist (no commit yet)."""
    if not commit_exists(rev, cwd):
        return {}
    return {os.fsdecode(path): (mode, sha) for mode, sha, path in tree_blobs(rev, cwd)}


@dataclass
class BlobStream:
    """One blob from `git cat-file --batch`: whole when small, else a chunk at a time.

    Exactly one of data and chunks is set, or neither when the blob is over the
    hard limit (skipped unread). chunks must be consumed, or dropped, before the
    next blob is asked for: the reader drains whatever is left.
    """

    sha: str
    size: int
    data: bytes | None = None
    chunks: Iterator[bytes] | None = None
    drain: Callable[[], None] | None = field(default=None, repr=False, compare=False)


def _next_stream(out: IO[bytes], sha: str, max_size: int, whole_limit: int, chunk_size: int) -> BlobStream:
    parts = out.readline().split()
    if len(parts) != 3:
        raise InternalError(f"git cat-file: object {sha} is missing or unreadable; run `git fsck`")
    size = int(parts[2])
    if size <= whole_limit and size <= max_size:
        data = out.read(size + 1)
        if len(data) != size + 1:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        return BlobStream(sha, size, data=data[:-1])
    state = {"left": size + 1}  # contents and the newline after them

    def take(n: int) -> bytes:
        chunk = out.read(min(n, state["left"]))
        if not chunk:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        state["left"] -= len(chunk)
        return chunk

    def chunks() -> Iterator[bytes]:
        while state["left"] > 1:
            yield take(min(chunk_size, state["left"] - 1))

    def drain() -> None:
        while state["left"] > 0:
            take(1 << 20)

    if size > max_size:
        drain()  # over the hard limit: never read into memory, and nothing left to consume
        return BlobStream(sha, size)
    return BlobStream(sha, size, chunks=chunks(), drain=drain)


def _drain(stream: BlobStream | None) -> None:
    if stream is not None and stream.drain is not None:
        stream.drain()


def start_batch(cwd: str | None = None) -> subprocess.Popen[bytes]:
    """A `git cat-file --batch` process, waiting for object ids on its stdin."""
    return subprocess.Popen(
        git_cmd("cat-file", "--batch"),
        cwd=cwd, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def read_blob_streams(
    shas: Sequence[str], max_size: int, whole_limit: int, chunk_size: int = 1 << 20, cwd: str | None = None
) -> Iterator[BlobStream]:
    """read_blobs() in bounded memory: blobs up to whole_limit whole, larger ones as chunks of
    chunk_size, and those over max_size skipped unread, through one `git cat-file --batch`."""
    if not shas:
        return
    from credgate.gitio import early

    started = early.take("start_batch") if cwd is None else None
    proc = started() if started is not None else start_batch(cwd)
    assert proc.stdin is not None and proc.stdout is not None
    data = b"".join(sha.encode() + b"\n" for sha in shas)
    writer = threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True)
    writer.start()
    stream: BlobStream | None = None
    try:
        for sha in shas:
            stream = _next_stream(proc.stdout, sha, max_size, whole_limit, chunk_size)
            yield stream
            _drain(stream)
            stream = None
    finally:
        proc.stdout.close()
        writer.join()
        proc.wait()


def peeled_tree(rev: str, cwd: str | None = None) -> str | None:
    """The tree a ref or tag ends at when it names a tree rather than a commit (`git tag t <tree>`); None
    for a commit, a blob or a missing object."""
    peeled = run("rev-parse", "--verify", "-q", f"{rev}^{{}}", cwd=cwd, check=False).strip()
    if not peeled:
        return None
    kind = run("cat-file", "-t", peeled.decode("ascii"), cwd=cwd, check=False).strip()
    return peeled.decode("ascii") if kind == b"tree" else None
