"""Secrets inside encoded content: base64 and URL-encoded runs, and UTF-16 strings in binaries.

Each encoded run that decodes to text is scanned again by the scanner, to a bounded depth; the findings are
reported where the run starts. Every run is decoded once and decodes to fewer bytes than it holds, so the
work per level is bounded by the file's own size.
"""

from __future__ import annotations

from dataclasses import replace

from credgate.engine.content import LineIndex

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any

    from credgate.engine.scanner import Scanner, ScanResult


_MIN_RUN = 24
_runs: dict[str, Any] = {}
# Lock files are mostly integrity hashes: about 7,000 base64 runs per MB.
_HASH_DENSE_SUFFIXES = (".lock", "-lock.json", "-lock.yaml", ".sum", "shrinkwrap.json")


def _base64_runs(path: str) -> Any:
    engine = "re" if path.endswith(_HASH_DENSE_SUFFIXES) else "re2"
    if engine not in _runs:
        # RE2 finds a run of one class without trying every start inside shorter words, which costs
        # the stdlib engine 20 ms per MB of source code (9x RE2). RE2's Python match objects cost
        # more per match, though, so in a lock file's wall of hashes the stdlib engine is 2x faster.
        pattern = rb"[A-Za-z0-9+/_-]{%d,}={0,2}" % _MIN_RUN
        if engine == "re":
            import re

            _runs[engine] = re.compile(pattern)
        else:
            import re2

            _runs[engine] = re2.compile(pattern)
    return _runs[engine]


_percent: Any = None
_utf16: Any = None
UTF16_RUN = rb"(?:[\x20-\x7e]\x00){16,}"  # printable ASCII in UTF-16LE, long enough to hold a token


def _utf16_runs() -> Any:
    """Runs of printable ASCII in UTF-16LE, long enough to hold a token."""
    global _utf16
    if _utf16 is None:
        from credgate.engine import linear

        _utf16 = linear.compile(UTF16_RUN)
    return _utf16


def _percent_runs() -> Any:
    global _percent
    if _percent is None:
        import re2

        # At least two escapes inside the run: a plain word run is not URL-encoded text, and matching
        # every one of them would cost a Python round trip per word.
        safe = rb"[A-Za-z0-9._~+!*'()=&:/?@-]"
        esc = rb"%[0-9A-Fa-f]{2}"
        _percent = re2.compile(rb"%s*%s%s*%s(?:%s|%s)*" % (safe, esc, safe, esc, safe, esc))
    return _percent


def _decode_percent(run: bytes) -> bytes | None:
    """The text behind a URL-encoded run with at least two escapes, or None."""
    if run.count(b"%") < 2:
        return None
    from urllib.parse import unquote_to_bytes

    decoded = unquote_to_bytes(run)
    return decoded if decoded != run else None


def _decode_base64(run: bytes) -> bytes | None:
    """The text a base64 run encodes, or None when it is not base64 of mostly printable text."""
    raw = _base64_bytes(run)
    return raw if raw is not None and _is_text(raw) else None


_PRINTABLE = bytes(range(32, 127)) + b"\t\n\r"


def _is_text(raw: bytes) -> bool:
    """Mostly printable ASCII (95%): decoded configuration, not a binary payload."""
    return len(raw.translate(None, _PRINTABLE)) <= 0.05 * len(raw)


_URLSAFE = bytes.maketrans(b"-_", b"+/")  # base64.urlsafe_b64decode's own translation


def _base64_bytes(run: bytes) -> bytes | None:
    """The bytes a base64 run encodes (at least 12), or None when it is not base64."""
    import binascii

    body = run.rstrip(b"=")
    if len(body) % 4 == 1:
        return None
    padded = body + b"=" * (-len(body) % 4)
    if b"-" in body or b"_" in body:
        padded = padded.translate(_URLSAFE)
    try:
        # What base64.b64decode / urlsafe_b64decode do (non-strict), without their wrappers: this runs
        # for every run of 24 word characters in a file.
        raw = binascii.a2b_base64(padded)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) >= 12 else None


def _spans(pattern: Any, data: bytes) -> list[tuple[int, int]]:
    """The spans `pattern.finditer(data)` yields (an `re2` or `re` pattern without groups), read for an RE2
    pattern by its compiled regexp directly: the `re2` module's match objects cost more than the search."""
    regexp = getattr(pattern, "_regexp", None)
    if regexp is None:
        return [m.span() for m in pattern.finditer(data)]
    import re2

    match, anchor = regexp.Match, re2._Anchor.UNANCHORED
    out: list[tuple[int, int]] = []
    pos, end = 0, len(data)
    while True:  # the `re2` module's own loop over bytes, step for step
        span = match(anchor, data, pos, end)[0]
        if span[0] == -1:
            return out
        out.append(span)
        if pos == end:
            return out
        pos = pos + 1 if pos == span[1] else span[1]


def scan_encoded(
    scanner: Scanner, data: bytes, path: str, depth: int, index: LineIndex, result: ScanResult
) -> list[tuple[int, int]]:
    """Secrets hidden in base64 (a Kubernetes Secret, an env blob) or URL encoding (a query string).

    Each encoded run that decodes to text is scanned again, to a bounded depth,
    with provider rules only (the generic rule would read prose into decoded
    noise); base64 that decodes to binary is read with the rules trusted in
    binaries. A finding is reported where the encoded run starts. Returns the
    spans of the runs that held one.
    """
    spans: list[tuple[int, int]] = []
    # No count limit: every run is decoded once, and a run decodes to fewer bytes than it holds, so
    # the bytes decoded per level are bounded by the file's own size (the budget is the file).
    binary_runs: list[tuple[int, int, int]] = []  # (offset in `blobs`, start, end)
    blobs: list[bytes] = []
    blob_size = 0
    candidates = [(span, "base64") for span in _spans(_base64_runs(path), data)]
    if b"%" in data:
        candidates += [(span, "URL encoding") for span in _spans(_percent_runs(), data)]
    for (start, end), how in candidates:
        if end - start < 16:
            continue
        run = data[start:end]
        if how == "base64":
            if data[max(0, start - 7) : start].lower() == b"base64,":
                continue  # a data URI: an image or an attachment, not configuration
            raw = _base64_bytes(run)
            decoded = raw if raw is not None and _is_text(raw) else None
            if raw is not None and decoded is None:
                # Not text: a serialized object, a compiled file. Its distinctive tokens are read below.
                binary_runs.append((blob_size, start, end))
                blobs.append(raw)
                blob_size += len(raw) + 1
        else:
            decoded = _decode_percent(run)
        if decoded is None:
            continue
        inner = scanner._scan(decoded, path, depth + 1)
        line, col = index.position(start)
        for f in inner.findings:
            if scanner.ruleset.by_id[f.rule_id].generic:
                continue
            note = f"inside {how}" + (f"; {f.note}" if f.note else "")
            result.findings.append(
                replace(f, line=line, col=col, end_line=index.line_of(end - 1), offset=start, note=note)
            )
            spans.append((start, end))
        result.suppressed.extend(inner.suppressed)
    if blobs:
        spans += _scan_decoded_binary(scanner, b"\n".join(blobs), binary_runs, path, index, result)
    return spans


def scan_utf16_strings(
    scanner: Scanner, data: bytes, path: str, index: LineIndex, result: ScanResult
) -> None:
    """Strings a binary holds in UTF-16 (.NET assemblies, Windows resources): `g\0h\0p\0_\0...` is
    invisible to a byte pattern, so runs of printable ASCII in UTF-16LE are read as ASCII."""
    from bisect import bisect_right

    runs: list[tuple[int, int]] = []  # (offset in the joined text, offset in the binary)
    texts: list[bytes] = []
    size = 0
    for m in _utf16_runs().finditer(data):
        runs.append((size, m.start()))
        texts.append(data[m.start() : m.end() : 2])
        size += len(texts[-1]) + 1
    if not texts:
        return
    from credgate.engine.scanner import MAX_DECODE_DEPTH

    inner = scanner._scan(b"\n".join(texts), path, MAX_DECODE_DEPTH, binary=True)
    starts = [r[0] for r in runs]
    for f in inner.findings:
        text_start, start = runs[bisect_right(starts, f.offset) - 1]
        at = start + 2 * (f.offset - text_start)
        line, col = index.position(at)
        note = "in UTF-16 text" + (f"; {f.note}" if f.note else "")
        end_line = index.line_of(at + 2 * len(f.secret) - 1)
        result.findings.append(replace(f, line=line, col=col, end_line=end_line, offset=at, note=note))


def _scan_decoded_binary(
    scanner: Scanner,
    blob: bytes,
    runs: list[tuple[int, int, int]],
    path: str,
    index: LineIndex,
    result: ScanResult,
) -> list[tuple[int, int]]:
    """Base64 runs that decode to binary, read in one pass with the rules trusted inside binaries."""
    from bisect import bisect_right

    spans = []
    from credgate.engine.scanner import MAX_DECODE_DEPTH

    inner = scanner._scan(blob, path, MAX_DECODE_DEPTH, binary=True)
    offsets = [r[0] for r in runs]
    for f in inner.findings:
        _, start, end = runs[bisect_right(offsets, f.offset) - 1]
        line, col = index.position(start)
        note = "inside base64 (binary)" + (f"; {f.note}" if f.note else "")
        result.findings.append(
            replace(f, line=line, col=col, end_line=index.line_of(end - 1), offset=start, note=note)
        )
        spans.append((start, end))
    return spans
