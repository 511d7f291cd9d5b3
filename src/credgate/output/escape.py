"""Escaping at the output edge: the one place that makes repository content safe to print.

Everything credgate prints about a repository (paths, notebook cell kinds, rule names and
hints from custom rule files, ref names, patterns, commit text) is attacker-controlled.
Each output channel has its own hazards, and each has one function here:

- `text()` (also `safe()`, the name every command uses): terminals and CI logs. Control
  characters (ESC sequences drive the terminal), C1 controls, bidi overrides, line
  separators and undecodable bytes become visible escapes.
  A CI runner also reads its log: GitHub's runner takes a line whose first non-blank
  characters are `::` as a workflow command (`::add-mask::`, `::warning ...::`,
  `::stop-commands::`), and the legacy `##[command]` form anywhere in a line. A field that
  would start a line with `::` gets its first colon escaped, and every `##[` loses its
  bracket, so no content-derived field can issue a runner command whatever surrounds it.
- `gh_data()` / `gh_property()`: the documented escaping of workflow-command values.
- `dumps_json()`: valid JSON whose bytes are also safe in a terminal or a CI log
  (JSON-escaped, so the decoded values are unchanged).
- `xml_text()` / `xml_document()`: characters XML 1.0 does not allow (U+FFFE, U+FFFF,
  lone surrogates, most C0 controls) never reach a document.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
# The runner's legacy command prefix: parsed anywhere in a line.
_LEGACY = "##["


def _escape_char(ch: str) -> str | None:
    """The visible form of one character that must not reach a terminal raw, or None."""
    o = ord(ch)
    if 0xDC80 <= o <= 0xDCFF:  # surrogateescape: a byte that was not UTF-8
        return f"\\x{o - 0xDC00:02x}"
    if o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
        return _NAMED.get(ch, f"\\x{o:02x}")
    if (
        0x202A <= o <= 0x202E  # bidi embeddings and overrides
        or 0x2066 <= o <= 0x2069  # bidi isolates
        or o in (0x200E, 0x200F, 0x061C)  # bidi marks
        or o in (0x2028, 0x2029)  # line and paragraph separators: a new line to some viewers
        or 0xD800 <= o <= 0xDFFF  # a lone surrogate cannot even be encoded
        or o in (0xFFFE, 0xFFFF)
    ):
        return f"\\u{o:04x}"
    return None


def controls(value: str) -> str:
    """Only the terminal hazards escaped: for values a format escapes further itself."""
    out = []
    for ch in value:
        esc = _escape_char(ch)
        out.append(ch if esc is None else esc)
    return "".join(out)


def text(value: str) -> str:
    """A content-derived field for a terminal or a CI log (the text formats)."""
    result = controls(value)
    # `\x5b` is how the other escapes here spell a byte, so the name stays readable.
    result = result.replace(_LEGACY, "##\\x5b")
    # The runner trims leading white space (Unicode's, as .NET defines it) before looking for `::`.
    stripped = result.lstrip()
    if stripped.startswith("::"):
        lead = len(result) - len(stripped)
        result = result[:lead] + "\\x3a" + result[lead + 1 :]
    return result


def safe(value: str) -> str:
    """A content-derived field for text output: `text()`, under the name the commands use."""
    return text(value)


def redact_message(message: str) -> str:
    """An exception text may quote scanned content: mask every token-like run in it."""

    from credgate.errors import redact

    return text(redact(message))


def gh_data(value: str) -> str:
    """The message part of a workflow command (after the second `::`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(value: str) -> str:
    """A property value of a workflow command (`file=`, `title=`)."""
    return gh_data(value).replace(":", "%3A").replace(",", "%2C")


# Inside a JSON text, characters that are valid JSON but unsafe to print raw. JSON escapes
# keep the decoded value identical; `##[` only ever occurs inside a string.
_JSON_UNSAFE = re.compile(
    "[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)


def dumps_json(doc: Any, indent: int | None = 2) -> str:
    """JSON for stdout: valid, and nothing in it drives a terminal or issues a runner command."""
    raw = json.dumps(doc, indent=indent, ensure_ascii=False)
    raw = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", raw)
    return raw.replace(_LEGACY, "##\\u005b")


def _xml_allowed(o: int) -> bool:
    return o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF


def xml_text(value: str) -> str:
    """A field for an XML document: `text()`'s escapes, then nothing XML 1.0 forbids."""
    escaped = text(value)
    return "".join(ch if _xml_allowed(ord(ch)) else f"\\u{ord(ch):04x}" for ch in escaped)


def xml_document(serialized: str) -> str:
    """A serialized XML document made safe to print: `##[` becomes a character reference."""
    return serialized.replace(_LEGACY, "##&#91;")
