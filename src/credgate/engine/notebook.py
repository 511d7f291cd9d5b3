"""A Jupyter notebook as the text its strings hold, with the byte in the `.ipynb` file behind each character.

Every string in the notebook is read: cell sources, every output (`text`, error `evalue` and `traceback`
with their ANSI colour codes, every mime type in `data`), cell and notebook metadata, attachments, and
keys nobody has defined yet. Only image payloads are skipped (`image/png`, `image/jpeg`... as base64):
pictures, not text. SVG (`image/svg+xml`) is read, because it is markup: it holds text and scripts,
and a token pasted into a plot's title is in it as written.

Strings are decoded (JSON escapes, `\\uXXXX`), so a token split by `\\"` or escaped character by
character is whole again, and each decoded byte maps back to the file: a finding points at the exact
line and column of the `.ipynb` (the staged gate's added-line check depends on it), once.

- Arrays of strings (`source`, `text`, `traceback`) are joined into one block, as Jupyter shows them;
  traceback lines, which carry no newline, get one.
- Other strings in an object are written as `"key": "value"`, so the context rules see the name beside
  the value (`"api_key": "..."` in a cell's metadata) as they would in a JSON file.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, Union

from credgate.engine import linear

_IMAGE_TEXT = frozenset({"image/svg+xml"})
_TEXT_KEYS = frozenset({"source", "text", "traceback", "evalue", "ename"})
_WS = b" \t\r\n"

Path = list[Union[str, int]]


@dataclass
class Block:
    start: int  # offset of the block in the text
    cell: int  # 1-based cell number, 0 for the notebook itself
    kind: str  # "code", "markdown", "raw", "output", "metadata", "attachment"...


@dataclass
class Notebook:
    text: bytes
    blocks: list[Block]
    # (offset in text, offset in the file, exact): from `offset in text` on, text bytes map one to one
    # onto file bytes when exact, else (an escape sequence) all onto the escape's first byte.
    pieces: list[tuple[int, int, bool]] = field(default_factory=list)

    def file_offset(self, offset: int) -> int:
        at = bisect_right(self._starts, offset) - 1
        start, raw, exact = self.pieces[max(at, 0)]
        return raw + (offset - start) if exact else raw

    def block_of(self, offset: int) -> Block:
        at = bisect_right(self._block_starts, offset) - 1
        return self.blocks[max(at, 0)]

    def __post_init__(self) -> None:
        self._starts = [p[0] for p in self.pieces]
        self._block_starts = [b.start for b in self.blocks]


class _Invalid(ValueError):
    pass


def read(raw: bytes) -> Notebook | None:
    """The notebook's text, or None for anything that is not an nbformat notebook (read as plain text)."""
    import json

    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        return None
    builder = _Builder(raw, doc)
    try:
        builder.value(_skip_ws(raw, 0), [])
    except (_Invalid, IndexError, RecursionError):
        return None
    return builder.finish()


def _skip_ws(raw: bytes, i: int) -> int:
    n = len(raw)
    while i < n and raw[i] in _WS:
        i += 1
    return i


_ESCAPES = {ord("n"): b"\n", ord("t"): b"\t", ord("r"): b"\r", ord("b"): b"\b", ord("f"): b"\f"}


def _string(raw: bytes, i: int) -> tuple[bytes, list[tuple[int, int, bool]], int]:
    """The JSON string opening at raw[i]: its UTF-8 bytes, their pieces (relative), the offset after it."""
    out = bytearray()
    pieces: list[tuple[int, int, bool]] = []
    k = i + 1
    while True:
        quote = raw.find(b'"', k)
        if quote == -1:
            raise _Invalid("unterminated string")
        slash = raw.find(b"\\", k, quote)
        stop = quote if slash == -1 else slash
        if stop > k:
            pieces.append((len(out), k, True))
            out += raw[k:stop]
        if slash == -1:
            return bytes(out), pieces, quote + 1
        kind = raw[slash + 1]
        pieces.append((len(out), slash, False))
        if kind == ord("u"):
            unit = int(raw[slash + 2 : slash + 6], 16)
            k = slash + 6
            if 0xD800 <= unit < 0xDC00 and raw[k : k + 2] == b"\\u":
                low = int(raw[k + 2 : k + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
            out += chr(unit).encode("utf-8", "surrogatepass")
        else:
            out += _ESCAPES.get(kind, bytes((kind,)))
            k = slash + 2


class _Builder:
    def __init__(self, raw: bytes, doc: dict[str, Any]) -> None:
        self.raw = raw
        self.doc = doc
        self.text = bytearray()
        self.pieces: list[tuple[int, int, bool]] = []
        self.blocks: list[Block] = []

    def finish(self) -> Notebook:
        if not self.blocks:
            self.blocks.append(Block(0, 0, "empty"))
        return Notebook(bytes(self.text), self.blocks, self.pieces)

    # -- the walk over the file, keeping the path to each value
    def value(self, i: int, path: Path) -> int:
        ch = self.raw[i]
        if ch == ord("{"):
            return self._object(i, path)
        if ch == ord("["):
            return self._array(i, path)
        if ch == ord('"'):
            text, pieces, end = _string(self.raw, i)
            if not _is_image(path):
                self._emit(path, [(text, pieces)])
            return end
        # a number, true, false, null: skip to the next delimiter
        while i < len(self.raw) and self.raw[i] not in b",]}" + _WS:
            i += 1
        return i

    def _object(self, i: int, path: Path) -> int:
        i = _skip_ws(self.raw, i + 1)
        if self.raw[i] == ord("}"):
            return i + 1
        while True:
            if self.raw[i] != ord('"'):
                raise _Invalid("object key")
            key, pieces, i = _string(self.raw, i)
            name = key.decode("utf-8", "replace")
            i = _skip_ws(self.raw, i)
            if self.raw[i] != ord(":"):
                raise _Invalid("colon")
            i = _skip_ws(self.raw, i + 1)
            if self.raw[i] == ord('"'):
                i = self._member(i, path, name, key, pieces)
            else:
                self._emit([*path, name], [(key, pieces)])  # a key is a string too: read it alone
                i = self.value(i, [*path, name])
            i = _skip_ws(self.raw, i)
            if self.raw[i] == ord("}"):
                return i + 1
            if self.raw[i] != ord(","):
                raise _Invalid("comma")
            i = _skip_ws(self.raw, i + 1)

    def _member(self, i: int, path: Path, name: str, key: bytes, key_pieces: list[Any]) -> int:
        """`"key": "value"`: written as such, unless the value is text to read as it is (a cell's source)."""
        text, pieces, end = _string(self.raw, i)
        full = [*path, name]
        if _is_image(full):
            return end
        if _is_text(full):
            self._emit(full, [(text, pieces)])
        else:
            self._emit(full, [(b'"' + key + b'": "', _shift(key_pieces, 1)), (text, pieces), (b'"', [])])
        return end

    def _array(self, i: int, path: Path) -> int:
        i = _skip_ws(self.raw, i + 1)
        strings: list[tuple[bytes, list[tuple[int, int, bool]]]] = []
        index = 0
        if self.raw[i] == ord("]"):
            return i + 1
        while True:
            if self.raw[i] == ord('"'):
                text, pieces, i = _string(self.raw, i)
                strings.append((text, pieces))
            else:
                i = self.value(i, [*path, index])
            index += 1
            i = _skip_ws(self.raw, i)
            if self.raw[i] == ord("]"):
                break
            if self.raw[i] != ord(","):
                raise _Invalid("comma")
            i = _skip_ws(self.raw, i + 1)
        if strings and not _is_image(path):
            # One block, as Jupyter joins it: `source` lines end in newlines, traceback lines do not.
            joined: list[tuple[bytes, list[tuple[int, int, bool]]]] = []
            for n, part in enumerate(strings):
                joined.append(part)
                if n + 1 < len(strings) and not part[0].endswith(b"\n"):
                    joined.append((b"\n", []))
            self._emit(path, joined)
        return i + 1

    # -- the text
    def _emit(self, path: Path, parts: list[tuple[bytes, list[tuple[int, int, bool]]]]) -> None:
        if not any(text for text, _ in parts):
            return
        parts = [(_blank_ansi(text), pieces) for text, pieces in parts]
        start = len(self.text)
        self.blocks.append(Block(start, *self._where(path)))
        last_raw = next((pieces[0][1] for _, pieces in parts if pieces), 0)
        for text, pieces in parts:
            base = len(self.text)
            if text and (not pieces or pieces[0][0] != 0):
                # characters written here (quotes, a joining newline) point at the nearest real byte
                self.pieces.append((base, last_raw, False))
            for offset, raw, exact in pieces:
                self.pieces.append((base + offset, raw, exact))
                last_raw = raw
            self.text += text
        if not self.text.endswith(b"\n"):
            self.pieces.append((len(self.text), last_raw, False))
            self.text += b"\n"

    def _where(self, path: Path) -> tuple[int, str]:
        if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
            cell = self.doc["cells"][path[1]] if path[1] < len(self.doc["cells"]) else {}
            part = path[2] if len(path) > 2 else ""
            if part == "source":
                kind = str(cell.get("cell_type", "code")) if isinstance(cell, dict) else "code"
            elif part == "outputs":
                kind = "output"
            elif part in ("metadata", "attachments"):
                kind = "metadata" if part == "metadata" else "attachment"
            else:
                kind = str(part) or "cell"
            return path[1] + 1, kind
        return 0, "notebook " + (str(path[0]) if path else "metadata")


_ANSI_RE = linear.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _blank_ansi(text: bytes) -> bytes:
    """Colour codes in a traceback (`ESC[0;31m` right before a token) as spaces: offsets stay, words part."""
    if b"\x1b" not in text:
        return text
    out = bytearray(text)
    for m in _ANSI_RE.finditer(text):
        out[m.start() : m.end()] = b" " * (m.end() - m.start())
    return bytes(out)


def _is_image(path: Path) -> bool:
    """A base64 picture: the value (or array of lines) under a mime key `image/...` other than SVG."""
    last = path[-1] if path else ""
    return isinstance(last, str) and last.startswith("image/") and last not in _IMAGE_TEXT


def _is_text(path: Path) -> bool:
    """Values read as they are: a cell's source, an output's text, a mime bundle's rendering."""
    last = path[-1] if path else ""
    return isinstance(last, str) and (last in _TEXT_KEYS or "/" in last)


def _shift(pieces: list[tuple[int, int, bool]], by: int) -> list[tuple[int, int, bool]]:
    return [(offset + by, raw, exact) for offset, raw, exact in pieces]
