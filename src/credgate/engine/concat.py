"""String literals joined before matching: `"ghp_" + "…"`, `"abc" "def"`, `'a' . 'b'`, across lines.

Source code splits long strings, and a token split that way is invisible to a pattern that reads one
literal at a time. This pass finds chains of adjacent literals (joined by nothing but white space, a
`+`, a PHP `.` or a line continuation), joins each chain, and scans all the joined values in one pass
with the line's own text around them, so `TOKEN = "ghp_" + "…"` reads as `TOKEN = "ghp_…"` to every rule.
A finding is kept only when its value spans two or more pieces (a value inside one piece is the plain
scan's); it is reported at its first byte in the first piece, and its secret is the joined value (so the
report redacts the joined value, never a piece of it).

Bounded and linear: one RE2 pass finds the chains; each joined value holds at most MAX_PIECES pieces
and MAX_BYTES bytes (a longer chain is read in windows that overlap by one piece); every joined value
is scanned once, in one blob.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

from credgate.engine import linear
from credgate.engine.content import LineIndex
from credgate.engine.finding import Finding

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Callable

MAX_PIECES = 16
MAX_BYTES = 1024
MIN_JOINED = 12  # bytes; shorter than any token or password worth a finding
_LINE_CONTEXT = 120  # bytes of the line kept before the first piece and after the last one

# Unbounded repetitions: RE2 runs this as a DFA (about 5 ms per MB of minified JavaScript); counted ones
# ({0,512}) made a program too large for the DFA and cost 20 times that. The joined value is bounded below.
_LITERAL = rb'"[^"\\\r\n]*"|\'[^\'\\\r\n]*\''
# White space (line breaks and a backslash continuation included), then at most one `+`, PHP's `.`, SQL's
# `||` or Visual Basic's `&`.
_JOINER = rb"[ \t]*(?:\\?\r?\n[ \t]*)?(?:(?:[+.&]|\|\|)[ \t]*(?:\r?\n[ \t]*)?)?"
_CHAIN = linear.compile(rb"(?:%s)(?:%s(?:%s))+" % (_LITERAL, _JOINER, _LITERAL))
_JOINER_AT = linear.compile(_JOINER)


@dataclass
class _Joined:
    blob_start: int  # where the joined value starts in the blob
    raw_starts: list[int]  # where each piece's text starts in the scanned data
    joined_starts: list[int]  # where each piece's text starts in the joined value
    size: int  # bytes of the joined value
    end: int  # where the last piece's text ends in the scanned data


def _windows(pieces: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Groups of at most MAX_PIECES pieces and MAX_BYTES bytes, each overlapping the next by one piece."""
    out: list[list[tuple[int, int]]] = []
    at = 0
    while at < len(pieces) - 1:
        group: list[tuple[int, int]] = []
        size = 0
        for start, end in pieces[at : at + MAX_PIECES]:
            if group and size + (end - start) > MAX_BYTES:
                break
            group.append((start, end))
            size += end - start
        if len(group) >= 2:
            out.append(group)
        at += max(len(group) - 1, 1)
    return out


def _pieces(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """The text spans of the literals of a chain that _CHAIN matched from `start` to `end`: each literal
    opens with a quote and closes at the next one of its kind (no escapes: _LITERAL has none), and the
    next literal opens at the next quote after the joiner, which holds none."""
    out: list[tuple[int, int]] = []
    at = start
    while at < end:
        # Each byte of the chain is read once: a literal up to its closing quote, a joiner by one anchored
        # match (a search for a quote kind the chain lacks would read to its end, once per piece).
        close = data.find(data[at : at + 1], at + 1, end)
        if close == -1:
            break  # not reached: _CHAIN closed every literal it opened
        out.append((at + 1, close))
        joiner = _JOINER_AT.match(data, close + 1)
        at = end if joiner is None else joiner.end()
        if at < end and data[at] not in b"\"'":
            break
    return out


def joined_findings(
    data: bytes, index: LineIndex, scan_blob: Callable[[bytes], list[Finding]]
) -> list[Finding]:
    """Findings over values split across adjacent string literals, placed in `data`.

    `scan_blob` scans a text with the full rule set (the scanner's own scan, one level down).
    """
    if b'"' not in data and b"'" not in data:
        return []
    parts: list[bytes] = []
    joined: list[_Joined] = []
    size = 0
    # A finding is kept only when it spans two pieces that hold text: a file whose every joined value has at
    # most one non-empty piece (a one-line docstring `"""Return x."""` reads as `""`, `"Return x."`, `""`)
    # keeps nothing, and its blob is not scanned at all (the blob's findings are its only output).
    productive = False
    chains = [m.span() for m in _CHAIN.finditer(data)]
    for i, (base, chain_end) in enumerate(chains):
        # The line's text around a chain, up to the neighbouring chains: no byte of context is read twice,
        # so the blob stays within a small multiple of the file (the joined values, plus the file once).
        left = max(chains[i - 1][1] if i else 0, base - _LINE_CONTEXT)
        right = min(chains[i + 1][0] if i + 1 < len(chains) else len(data), chain_end + _LINE_CONTEXT)
        pieces = _pieces(data, base, chain_end)
        groups = _windows(pieces)
        for g, group in enumerate(groups):
            value = b"".join(data[s:e] for s, e in group)
            if len(value) < MIN_JOINED:
                continue
            productive = productive or sum(1 for s, e in group if e > s) >= 2
            first, last = group[0][0], group[-1][1]
            head = tail = b""
            if g == 0:  # the name the chain is assigned to: `password = 'ab' . 'cd'`
                line_start = data.rfind(b"\n", left, first) + 1 or left
                head = data[max(line_start, left) : first - 1].replace(b"\r", b" ")
            if g == len(groups) - 1:  # an inline allow marker after the chain
                line_end = data.find(b"\n", last, right)
                tail = data[last + 1 : right if line_end == -1 else line_end].replace(b"\r", b" ")
            quote = data[first - 1 : first]
            starts, at = [], 0
            for s, e in group:
                starts.append(at)
                at += e - s
            joined.append(_Joined(size + len(head) + 1, [s for s, _ in group], starts, len(value), last))
            parts.append(head + quote + value + quote + tail)
            size += len(parts[-1]) + 1
    if not parts or not productive:
        return []
    blob_starts = [j.blob_start for j in joined]
    out: list[Finding] = []
    for f in scan_blob(b"\n".join(parts)):
        at = bisect_right(blob_starts, f.offset) - 1
        if at < 0:
            continue
        j = joined[at]
        lo = f.offset - j.blob_start
        hi = lo + len(f.secret)
        if lo < 0 or hi > j.size:
            continue  # a match in the line's own text around the literals, which the plain scan reads
        first_piece = bisect_right(j.joined_starts, lo) - 1
        last_piece = bisect_right(j.joined_starts, hi - 1) - 1
        if first_piece == last_piece:
            continue  # inside one literal: the plain scan reports it
        start = j.raw_starts[first_piece] + lo - j.joined_starts[first_piece]
        end = j.raw_starts[last_piece] + hi - j.joined_starts[last_piece]
        line, col = index.position(start)
        note = f"joined from {last_piece - first_piece + 1} string literals" + (
            f"; {f.note}" if f.note else ""
        )
        out.append(
            replace(
                f, line=line, col=col, end_line=index.line_of(max(start, end - 1)), offset=start, note=note
            )
        )
    return out
