"""Content too large to hold whole, scanned a window at a time in bounded memory.

A file over WINDOW bytes arrives as chunks. They are scanned in windows of about
WINDOW bytes that end at a line end and overlap the previous window by about
OVERLAP bytes, starting at a line start. A finding belongs to the window in which
it starts before the next window does, so every secret shorter than the overlap
(any token, a private key, a key pair a few lines apart) is seen whole by exactly
one window, and one that straddles a window's end is found by the next. Line
numbers and offsets are those of the whole file.

Pure like the rest of the engine: chunks in, findings out.
"""

from __future__ import annotations

import codecs
from dataclasses import replace

from credgate.engine.content import prepare
from credgate.engine.scanner import Scanner, ScanResult

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator

WINDOW = 8 << 20  # a window's size, and the size above which a file is streamed at all
OVERLAP = 256 << 10  # longer than any token, PEM key or decodable base64 run (100 kB) the rules read
_SNIFF = 8000  # content.prepare() looks for a NUL byte this far into what it is given
_BINARY_PREFIX = b"\x00\n"  # makes prepare() treat a later window of a binary file as binary too

# (window bytes, line number of the window's first line) -> the same number of bytes to scan.
if TYPE_CHECKING:  # a name for annotations only
    Transform = Callable[[bytes, int], bytes]


def scan_stream(
    scanner: Scanner,
    chunks: Iterable[bytes],
    path: str,
    *,
    window: int | None = None,
    overlap: int | None = None,
    transform: Transform | None = None,
) -> ScanResult:
    """Scan a file given as chunks; findings carry whole-file lines and offsets."""
    window = window or WINDOW
    overlap = overlap or OVERLAP
    it = iter(chunks)
    head = b""
    for chunk in it:
        head += chunk
        if len(head) >= _SNIFF:
            break
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 has no line structure in bytes: transcode as it streams, then scan as text.
        inner = _scan_windows(scanner, _utf16_to_utf8(head, it), path, window, overlap, transform)
        inner.kind = "utf-16"
        return inner
    return _scan_windows(scanner, _chain(head, it), path, window, overlap, transform)


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


def _utf16_to_utf8(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    for chunk in _chain(head, rest):
        text = decoder.decode(chunk)
        if text:
            yield text.encode("utf-8", "surrogateescape")
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8", "surrogateescape")


def _scan_windows(
    scanner: Scanner,
    chunks: Iterator[bytes],
    path: str,
    window: int,
    overlap: int,
    transform: Transform | None,
) -> ScanResult:
    total = ScanResult([], "text")
    kind = ""
    pieces: list[bytes] = []
    pending = 0
    base_line, base_off = 1, 0  # where the pending bytes start in the whole file
    carried: list[tuple[int, int]] = []  # spans reported by the previous window, to drop their echoes

    def flush(final: bool) -> None:
        nonlocal pieces, pending, base_line, base_off, carried, kind
        data = b"".join(pieces)
        pieces = []
        cut = len(data)
        if not final:
            end = data.rfind(b"\n") + 1
            # A window ends at a line end, unless one line fills most of it (minified text, a
            # binary): then it is cut mid-line, and the next window still overlaps the cut.
            if end > len(data) // 2:
                cut = end
        body = data[:cut]
        first = base_off == 0
        if first:
            kind = prepare(body[:_SNIFF]).kind
        view = transform(body, base_line) if transform is not None else body
        shift_lines, shift_off = 0, 0
        if not first:
            if kind == "binary":
                view = _BINARY_PREFIX + view
                shift_lines, shift_off = 1, len(_BINARY_PREFIX)
            elif b"\x00" in view[:_SNIFF]:
                # A text file judged text by its head stays text: a NUL deep inside it must not
                # turn a later window into a "binary" one that only high-confidence rules read.
                view = view[:_SNIFF].replace(b"\x00", b"\x01") + view[_SNIFF:]
        result = scanner.scan(view, path)
        if final:
            next_start = cut
        else:
            at = max(1, cut - overlap)
            line_start = body.find(b"\n", at - 1) + 1
            next_start = line_start if 0 < line_start < cut else at
        kept: list[tuple[int, int]] = []
        for f in result.findings:
            start = f.offset - shift_off
            if start >= next_start:
                continue  # the next window sees it with all its context
            span = (base_off + start, base_off + start + max(1, len(f.secret)))
            if any(a < span[1] and span[0] < b for a, b in carried):
                continue  # the tail of a secret the previous window reported
            kept.append(span)
            total.findings.append(
                replace(
                    f,
                    line=f.line - shift_lines + base_line - 1,
                    end_line=f.end_line - shift_lines + base_line - 1,
                    offset=base_off + start,
                )
            )
        for rule_id, line, reason in result.suppressed:
            total.suppressed.append((rule_id, line - shift_lines + base_line - 1, reason))
        carried = kept
        base_line += body.count(b"\n", 0, next_start)
        base_off += next_start
        rest = data[next_start:]
        pieces = [rest] if rest else []
        pending = len(rest)

    for chunk in chunks:
        pieces.append(chunk)
        pending += len(chunk)
        if pending >= window:
            flush(False)
    if pending or base_off == 0:
        flush(True)
    total.kind = kind or "text"
    total.findings.sort(key=lambda f: (f.line, f.col, f.rule_id))
    return total
