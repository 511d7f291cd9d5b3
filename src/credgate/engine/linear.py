"""Regular expressions that run in linear time, for everything that reads scanned content.

Python's `re` backtracks: `^(?:a+\\s*)+$` on 64 hostile bytes runs for minutes, and git hooks have no
timeout. Every pattern that touches scanned content (rules, decoy filters, validators) runs on RE2, whose
automata never backtrack. RE2 has no lookaround and no backreferences; the few checks that needed them
are written as code beside their use.

Bytes patterns are compiled as Latin-1, so a pattern sees one byte as one character, as Python's bytes
patterns do (UTF-8 mode would read multi-byte sequences as one character and change what `[^"]{0,80}`
means). The wrapper calls RE2 directly and builds a small match object: the module's own generator-based
API costs twice as much per call, and filters make dozens of calls per candidate.
"""

from __future__ import annotations

import functools

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Iterator

_NULL = (-1, -1)
_ANCHORS: tuple[Any, ...] = ()  # RE2's (unanchored, anchored at start, anchored at both ends)


class Match:
    """The part of `re.Match` the engine uses: groups by number or name, start, end, span."""

    __slots__ = ("_pattern", "_spans", "string")

    def __init__(self, pattern: Pattern, string: bytes, spans: list[tuple[int, int]]) -> None:
        self._pattern = pattern
        self.string = string
        self._spans = spans

    def _index(self, group: int | str | bytes) -> int:
        if isinstance(group, int):
            return group
        return self._pattern.groupindex[group if isinstance(group, bytes) else group.encode()]

    def span(self, group: int | str | bytes = 0) -> tuple[int, int]:
        return self._spans[self._index(group)]

    def start(self, group: int | str | bytes = 0) -> int:
        return self.span(group)[0]

    def end(self, group: int | str | bytes = 0) -> int:
        return self.span(group)[1]

    def group(self, group: int | str | bytes = 0) -> bytes:
        start, end = self.span(group)
        if start == -1:
            return self.string[:0]
        return self.string[start:end]


class Pattern:
    """An RE2 pattern compiled on first use: a hook pays only for the patterns its candidates reach."""

    __slots__ = ("_pattern", "_regexp", "_groupindex")

    def __init__(self, pattern: bytes) -> None:
        self._pattern = pattern
        self._regexp: Any = None
        self._groupindex: dict[bytes, int] = {}

    def _compiled(self) -> Any:
        if self._regexp is None:
            global _ANCHORS
            import re2

            _ANCHORS = (re2._Anchor.UNANCHORED, re2._Anchor.ANCHOR_START, re2._Anchor.ANCHOR_BOTH)
            options = re2.Options()
            options.log_errors = False
            options.encoding = re2.Options.Encoding.LATIN1
            compiled = re2.compile(self._pattern, options)
            names = compiled.groupindex.items()
            self._groupindex = {k if isinstance(k, bytes) else k.encode(): v for k, v in names}
            self._regexp = compiled._regexp
        return self._regexp

    @property
    def groupindex(self) -> dict[bytes, int]:
        self._compiled()
        return self._groupindex

    def _run(self, anchor: int, text: bytes | str, pos: int) -> Match | None:
        regexp = self._regexp or self._compiled()
        if isinstance(text, str):
            text = text.encode("utf-8", "surrogateescape")  # a path: the match reads its bytes
        spans = regexp.Match(_ANCHORS[anchor], text, pos, len(text))
        return None if spans[0] == _NULL else Match(self, text, spans)

    def search(self, text: bytes | str, pos: int = 0) -> Match | None:
        return self._run(0, text, pos)

    def match(self, text: bytes | str, pos: int = 0) -> Match | None:
        return self._run(1, text, pos)

    def fullmatch(self, text: bytes | str, pos: int = 0) -> Match | None:
        return self._run(2, text, pos)

    def finditer(self, text: bytes) -> Iterator[Match]:
        pos, end = 0, len(text)
        while pos <= end:
            m = self._run(0, text, pos)
            if m is None:
                return
            yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1

    def findall(self, text: bytes) -> list[bytes]:
        """Whole matches (the engine's patterns that use findall have no groups)."""
        return [m.group(0) for m in self.finditer(text)]

    def split(self, text: bytes) -> list[bytes]:
        """Pieces between matches (the engine splits on separators, without groups)."""
        pieces, last = [], 0
        for m in self.finditer(text):
            if m.end() == m.start():
                continue
            pieces.append(text[last : m.start()])
            last = m.end()
        pieces.append(text[last:])
        return pieces

    def sub(self, repl: bytes, text: bytes) -> bytes:
        """`text` with every match replaced by the literal `repl`."""
        pieces, last = [], 0
        for m in self.finditer(text):
            pieces.append(text[last : m.start()])
            pieces.append(repl)
            last = m.end()
        pieces.append(text[last:])
        return text[:0].join(pieces)


def compile(pattern: bytes) -> Pattern:  # noqa: A001  # mirrors re.compile
    """A lazily compiled RE2 pattern over bytes; a syntax RE2 does not support fails on first use (and in
    tests, which reach every pattern)."""
    return Pattern(pattern)


def escape(literal: bytes) -> bytes:
    """`literal` as an RE2 pattern that matches exactly those bytes."""
    return b"".join(bytes((ch,)) if bytes((ch,)).isalnum() else b"\\x%02x" % ch for ch in literal)


@functools.lru_cache(maxsize=512)
def literal_then(literal: bytes, tail: bytes) -> Pattern:
    """`literal` followed by the pattern `tail`, cached: one linear search instead of a loop over every
    occurrence (a line of 400 `password="` cost 400 anchored matches per candidate)."""
    return Pattern(escape(literal) + b"(?:" + tail + b")")
