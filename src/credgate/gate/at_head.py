"""What HEAD still holds of a secret found in history: the paths whose content still carries it, and
whether an allow marker on its line there accepts it. Blobs over the streaming size are read a chunk at a
time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from credgate import gitio
from credgate.gate.scanning import CHUNK, STREAM_ABOVE

if TYPE_CHECKING:
    from credgate.gate.history import Introduced


def present_at_head(secrets: list[Introduced], max_size: int, cwd: str | None = None) -> dict[int, list[str]]:
    """For each secret (by index), the paths at HEAD whose content still holds it."""
    if not gitio.commit_exists("HEAD", cwd):
        return {}
    tree = gitio.head_tree(cwd)
    wanted: dict[str, list[tuple[int, str]]] = {}
    for i, s in enumerate(secrets):
        for path in s.paths:
            sha = tree.get(path)
            if sha:
                wanted.setdefault(sha, []).append((i, path))
    still: dict[int, list[str]] = {}
    shas = list(wanted)
    from credgate.engine import credfiles

    # A large blob is searched a chunk at a time (a value cut by a chunk's edge is seen whole in the next
    # search, which starts that value's length early), never read whole. A detector's finding (a
    # keystore, a DER key) carries a digest of the file, not its bytes.
    for blob in gitio.read_blob_streams(shas, max_size, STREAM_ABOVE, CHUNK, cwd):
        needles = {i: secrets[i].finding.secret for i, _ in wanted[blob.sha]}
        whole = {i for i in needles if secrets[i].finding.rule_id in credfiles.DETECTORS}
        if blob.data is not None:
            present = {
                i
                for i, value in needles.items()
                if (credfiles.content_id(blob.data) == value if i in whole else value in blob.data)
            }
        elif blob.chunks is not None:
            present, keep, tail = set(whole), max(len(v) for v in needles.values()), b""
            for chunk in blob.chunks:
                window = tail + chunk
                present |= {i for i, value in needles.items() if i not in whole and value in window}
                tail = window[-keep:] if keep else b""
        else:
            present = set(needles)  # over max-file-size, so not checked: assume it is still there
        for i, path in wanted[blob.sha]:
            if i in present:
                still.setdefault(i, []).append(path)
    return still


def allowed_in_chunks(chunks: Iterable[bytes], secret: bytes, rule: object, path: str) -> bool:
    """baseline.allowed_inline() over a blob given as chunks: each occurrence of the value is judged
    with its whole line and the line above, and only whole lines are held (plus one being read)."""
    from credgate.engine.filters import Candidate, is_inline_allowed

    if not secret:
        return False
    above, partial, seen = b"", b"", 0
    for chunk in _with_end(chunks):
        buf = partial + (chunk or b"")
        end = len(buf) if chunk is None else buf.rfind(b"\n")
        if end == -1:
            partial = buf
            continue
        data, partial = buf[:end], buf[end + 1 :]
        at = data.find(secret)
        while at != -1:
            if seen >= 1000:  # as allowed_inline(): a value repeated more often is judged on the first ones
                return True
            start = data.rfind(b"\n", 0, at) + 1
            stop = data.find(b"\n", at)
            stop = len(data) if stop == -1 else stop
            prev = data[data.rfind(b"\n", 0, start - 1) + 1 : start - 1] if start else above
            c = Candidate(rule=rule, secret=secret, line=data[start:stop], prev_line=prev, path=path)  # type: ignore[arg-type]
            if not is_inline_allowed(c):
                return False
            seen += 1
            at = data.find(secret, stop)
        above = data[data.rfind(b"\n") + 1 :]
    return seen > 0


def _with_end(chunks: Iterable[bytes]) -> Iterator[bytes | None]:
    yield from chunks
    yield None
