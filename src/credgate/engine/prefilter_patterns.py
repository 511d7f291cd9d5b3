"""Rule regexes turned into Hyperscan expressions for the prefilter (engine/prefilter.py): each one matches a
superset of what RE2 matches with the rule, so a rule the database does not report cannot match.

Read from rule sources only, never from scanned content.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time (the commit hook loads this module)
if TYPE_CHECKING:
    from typing import Any


def widen(pattern: str) -> str:
    """The pattern with every counted repeat made open (`{m,n}` -> `+`, `{0,n}` -> `*`): a superset.

    Character classes and escapes are copied as they are. A pattern with a `\\Q...\\E` quote is returned
    unchanged (the quoted text would be read as syntax).
    """
    if "\\Q" in pattern:
        return pattern
    counted = _counted()
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i = end
        elif c == "{" and (m := counted.match(pattern, i)):
            out.append("+" if int(m.group(1)) > 0 else "*")
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def loosen(pattern: str, least: int = 32) -> str | None:
    """A cheaper superset of the pattern for RE2: every bounded repeat opened (`{m,n}` ->
    `{m,}`, `{0,n}` -> `*`, `{1,n}` -> `+`), keeping its lower bound. None when that would not save at
    least `least` copies of repeated sub-patterns, or the pattern quotes text (`\\Q...\\E`).

    RE2 compiles `x{16,600}` into 600 copies of x, which is most of what a generic rule costs to compile
    (several ms each, on every commit); `x{16,}` is 16 copies. Whatever the pattern matches, the loosened
    one matches too (a larger repeat only adds strings, and RE2 has no look-around to undo that), so a
    text it does not match cannot hold a match of the rule, and the rule need not be compiled for it.
    """
    import re

    if "\\Q" in pattern:
        return None
    # What the copy must look at: an escape (copied whole), a class (copied whole: `{` in it is literal),
    # a counted repeat; the text between them is copied as it is.
    token = re.compile(r"\\.|\[|\{(\d+),(\d+)\}", re.S)
    out: list[str] = []
    saved = 0
    i = 0
    while (m := token.search(pattern, i)) is not None:
        if m.group(0) == "[":
            end = _class_end(pattern, m.start())
            out.append(pattern[i:end])
            i = end
        elif m.group(1) is None:
            out.append(pattern[i : m.end()])
            i = m.end()
        else:
            low, high = int(m.group(1)), int(m.group(2))
            saved += max(high - low, 0)
            out.append(pattern[i : m.start()])
            out.append("*" if low == 0 else "+" if low == 1 else f"{{{low},}}")
            i = m.end()
    out.append(pattern[i:])
    return "".join(out) if saved >= least else None


def _counted() -> Any:
    """A counted repeat in a rule's regex (`{20}`, `{20,40}`, `{1,}`): read in rule sources, never content."""
    import re

    return re.compile(r"\{(\d+)(?:,\d*)?\}")


# Escapes that match one ASCII byte or assert a position on bytes, in RE2 as in Hyperscan's byte mode.
_NARROW_ESCAPES = frozenset("dswbBAtnrfv")
_WIDE_ESCAPES = frozenset("DSW")  # these also consume a whole non-ASCII character in RE2's UTF-8 mode
_BYTE_SAFE_FLAGS = ("(?:", "(?P<", "(?i)", "(?i:")


def byte_superset(pattern: str, utf8: bool) -> str | None:
    """A pattern whose byte-mode Hyperscan language holds every byte string RE2 matches with `pattern`,
    on any bytes (binaries, Latin-1 text); None when this cannot be shown for the pattern.

    RE2 compiles a rule in UTF-8 mode (`utf8`), where an atom that admits a non-ASCII character (`.`,
    `[^...]`, `\\S`) consumes its whole multi-byte sequence: each of those bytes is >= 0x80 and is in the
    atom's byte-mode class, so the atom is given a `+` (a `?` becomes `*`). Atoms of ASCII characters
    consume one byte either way, and `\\b` and the anchors read bytes in both engines. Counted repeats are
    opened as in `widen`. What is not covered is refused: non-ASCII or hex/Unicode escapes, POSIX classes,
    `\\Q`, flags other than `i`, and `(?i)` in UTF-8 mode (RE2 folds `k` into the Kelvin sign there). A
    Latin-1 pattern (a binary pattern, engine/binary.py) is byte semantics already: only widened.
    """
    if not pattern.isascii() or "[:" in pattern or (utf8 and "(?i" in pattern):
        return None
    counted = _counted()
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        wide = False
        if c == "\\":
            e = pattern[i + 1 : i + 2]
            if e in _WIDE_ESCAPES:
                wide = utf8
            elif e.isalnum() and e not in _NARROW_ESCAPES:
                return None  # \x, \p, \Q, \C, \z, octal...: not shown safe, so never narrowed
            out.append(pattern[i : i + 2])
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            body = pattern[i:end]
            inner = body[1:-1]
            for k in range(len(inner) - 1):
                if inner[k] == "\\" and inner[k + 1].isalnum() and inner[k + 1] not in _NARROW_ESCAPES:
                    if inner[k + 1] not in _WIDE_ESCAPES:
                        return None
                    wide = utf8
            wide = wide or (utf8 and body.startswith("[^"))
            out.append(body)
            i = end
        elif c == "(" and pattern.startswith("(?", i):
            if not pattern.startswith(_BYTE_SAFE_FLAGS, i):
                return None
            out.append(c)
            i += 1
            continue
        elif c == "{" and (m := counted.match(pattern, i)):
            out.append("+" if int(m.group(1)) > 0 else "*")
            i = m.end()
            continue
        else:
            wide = utf8 and c == "."
            out.append(c)
            i += 1
        if wide:
            # One RE2 character may be several bytes: at least one of the atom, as many as come.
            nxt = pattern[i : i + 1]
            if nxt == "?":
                out.append("*")
                i += 1
            elif nxt == "{" and (m := counted.match(pattern, i)):
                out.append("+" if int(m.group(1)) > 0 else "*")
                i = m.end()
            elif nxt not in ("*", "+"):
                out.append("+")
    return "".join(out)


def _class_end(pattern: str, i: int) -> int:
    """The index just past the character class that starts at pattern[i] == '['."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1  # a leading ']' is a member
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j += 2
        elif c == "[" and pattern.startswith("[:", j):
            close = pattern.find(":]", j + 2)
            j = close + 2 if close != -1 else j + 1
        elif c == "]":
            return j + 1
        else:
            j += 1
    return len(pattern)
