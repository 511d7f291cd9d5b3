"""Turning raw bytes into something the rules can read, without ever failing.

Text is scanned as bytes. UTF-16 with a BOM is transcoded to UTF-8 first, so a
Windows-saved `.env` is not a blind spot. Anything else with a NUL byte in its
head is binary: only high-confidence rules run over it (tokens are printable
runs inside the binary).
"""

from __future__ import annotations

from dataclasses import dataclass

_SNIFF = 8000  # git's own binary heuristic looks at the same window


@dataclass(frozen=True)
class Content:
    """Text ready for the rules (UTF-16 re-encoded as UTF-8), and what it was."""

    data: bytes
    kind: str  # "text", "utf-16" or "binary"


def prepare(raw: bytes) -> Content:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Content(raw.decode("utf-16").encode("utf-8", "surrogateescape"), "utf-16")
        except UnicodeDecodeError:
            return Content(raw, "binary")
    if b"\x00" in raw[:_SNIFF]:
        return Content(raw, "binary")
    return Content(raw, "text")


class LineIndex:
    """Offset to (line, column) for one buffer, built only when a finding needs it."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._starts: list[int] | None = None
        # Matches come in offset order, so columns on one long (minified) line are
        # counted incrementally instead of re-decoding the line for every match.
        self._col_at: tuple[int, int, int] = (0, -1, 0)  # (line, offset, column)

    def _build(self) -> list[int]:
        starts = [0]
        find = self._data.find
        pos = find(b"\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find(b"\n", pos + 1)
        return starts

    def line_of(self, offset: int) -> int:
        from bisect import bisect_right

        if self._starts is None:
            self._starts = self._build()
        return bisect_right(self._starts, offset)

    def line_start(self, line: int) -> int:
        if self._starts is None:
            self._starts = self._build()
        return self._starts[line - 1]

    def line_bytes(self, line: int) -> bytes:
        start = self.line_start(line)
        end = self._data.find(b"\n", start)
        return self._data[start:] if end == -1 else self._data[start:end]

    def window(self, line: int, start: int, end: int, margin: int = 2048) -> bytes:
        """The line around a match, at most `margin` bytes either side (minified files)."""
        lo = max(self.line_start(line), start - margin)
        # Look for the line's end only within the margin: on a 1 MB line, a search to the real end for
        # every match would make the scan quadratic.
        stop = self._data.find(b"\n", end, end + margin)
        hi = min(len(self._data), end + margin) if stop == -1 else stop
        return self._data[lo:hi]

    def tail(self, line: int, margin: int = 2048) -> bytes:
        """The last `margin` bytes of a line (where an allow-next-line comment sits)."""
        lo = self.line_start(line)
        hi = self.line_start(line + 1) - 1 if line < len(self._starts or []) else len(self._data)
        return self._data[max(lo, hi - margin) : hi]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and 1-based column in characters (decoded leniently)."""
        line = self.line_of(offset)
        cached_line, cached_offset, cached_col = self._col_at
        if cached_line == line and 0 <= cached_offset <= offset:
            base, col = cached_offset, cached_col
        else:
            base, col = self.line_start(line), 1
        col += len(self._data[base:offset].decode("utf-8", "replace"))
        self._col_at = (line, offset, col)
        return line, col
