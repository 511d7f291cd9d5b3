"""git's wildmatch (one ignore pattern's glob) translated to an RE2 regex over Latin-1 bytes.

Pure: a pattern in, a regex source out. Translated by hand rather than by pathspec, which
misreads POSIX classes and escapes inside brackets and raises on a reversed range; the
result is compiled with RE2 (by ignore.py), so matching is linear in the path whatever
the pattern.
"""

from __future__ import annotations


# POSIX bracket classes as git's wildmatch sees them: its own ASCII-only ctype table, so no byte above
# 0x7f is in any class, and `space` is tab, newline, carriage return and space (not \v or \f).
def _byte_ranges(*spans: tuple[int, int]) -> frozenset[int]:
    return frozenset(b for lo, hi in spans for b in range(lo, hi + 1))


_CLASSES: dict[str, frozenset[int]] = {
    "alnum": _byte_ranges((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": _byte_ranges((0x41, 0x5A), (0x61, 0x7A)),
    "blank": _byte_ranges((0x09, 0x09), (0x20, 0x20)),
    "cntrl": _byte_ranges((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": _byte_ranges((0x30, 0x39)),
    "graph": _byte_ranges((0x21, 0x7E)),
    "lower": _byte_ranges((0x61, 0x7A)),
    "print": _byte_ranges((0x20, 0x7E)),
    "punct": _byte_ranges((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": _byte_ranges((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x20)),
    "upper": _byte_ranges((0x41, 0x5A)),
    "xdigit": _byte_ranges((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
GLOB_SPECIAL = "*?[\\"


class Abort(Exception):
    """git's WM_ABORT_ALL: a malformed pattern (unclosed `[`, unknown class, trailing `\\`) never matches."""


def _bracket(p: str, i: int) -> tuple[frozenset[int], bool, int]:
    """The bytes of the bracket expression opening at p[i] == "[": (set, negated, index after `]`).

    Follows wildmatch: `!` or `^` negates; a first `]` is literal; `\\` escapes; `a-z` is a range
    (an empty one when reversed, as git accepts `[z-a]` silently); `[:name:]` is a class, and an
    unknown name or a missing `]` aborts the whole pattern.
    """
    i += 1
    if i >= len(p):
        raise Abort
    negated = p[i] in "!^"
    if negated:
        i += 1
    members: set[int] = set()
    prev = 0  # the previous literal byte, 0 when a range cannot start here
    first = True
    while True:
        if i >= len(p):
            raise Abort
        ch = p[i]
        if ch == "]" and not first:
            return frozenset(members), negated, i + 1
        first = False
        if ch == "\\":
            i += 1
            if i >= len(p):
                raise Abort
            cur = ord(p[i])
            members.add(cur)
        elif ch == "-" and prev and i + 1 < len(p) and p[i + 1] != "]":
            i += 1
            end = p[i]
            if end == "\\":
                i += 1
                if i >= len(p):
                    raise Abort
                end = p[i]
            members.update(range(prev, ord(end) + 1))  # empty when reversed
            cur = 0
        elif ch == "[" and i + 1 < len(p) and p[i + 1] == ":":
            close = p.find("]", i + 2)
            if close == -1:
                raise Abort
            if close - (i + 2) < 1 or p[close - 1] != ":":
                members.add(ord("["))  # no `:]` before the next `]`: a literal `[`
                cur = ord("[")
            else:
                name = p[i + 2 : close - 1]
                if name not in _CLASSES:
                    raise Abort
                members.update(_CLASSES[name])
                i = close
                cur = 0
        else:
            cur = ord(ch)
            members.add(cur)
        prev = cur
        i += 1


def _byte_class(members: frozenset[int] | set[int], negated: bool, slash: bool) -> bytes:
    """An RE2 (Latin-1) class for these bytes; slash says whether `/` may be among them."""
    chosen = set(range(256)) - set(members) if negated else set(members)
    chosen.discard(0)
    if not slash:
        chosen.discard(0x2F)
    if not chosen:
        return rb"[^\x00-\xff]"  # an empty set: matches nothing
    parts = []
    run_start = prev = -2
    for b in sorted(chosen) + [-1]:
        if b == prev + 1:
            prev = b
            continue
        if run_start >= 0:
            one = b"\\x%02x" % run_start
            parts.append(one + b"-\\x%02x" % prev if prev > run_start else one)
        run_start = prev = b
    return b"[" + b"".join(parts) + b"]"


def translate(p: str, pathname: bool) -> bytes:
    """wildmatch() of one pattern as a regex body (Latin-1 bytes); pathname is git's WM_PATHNAME."""
    out = []
    i = 0
    not_slash = rb"[^/]" if pathname else rb"[\x01-\xff]"
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            if i + 1 >= len(p):
                raise Abort
            out.append(b"\\x%02x" % ord(p[i + 1]))
            i += 2
        elif ch == "?":
            out.append(not_slash)
            i += 1
        elif ch == "[":
            members, negated, i = _bracket(p, i)
            out.append(_byte_class(members, negated, not pathname))
        elif ch == "*":
            j = i
            while j < len(p) and p[j] == "*":
                j += 1
            rest = p[j:]
            at_boundary = (i == 0 or p[i - 1] == "/") and (rest == "" or rest[:1] == "/" or rest[:2] == "\\/")
            if j - i >= 2 and at_boundary:
                if rest[:1] == "/":
                    out.append(rb"(?:[\x01-\xff]*/)?")  # `**/`: zero or more whole directories
                    j += 1
                else:
                    out.append(rb"[\x01-\xff]*")
            else:
                out.append(not_slash + b"*")
            i = j
        else:
            out.append(b"\\x%02x" % ord(ch))
            i += 1
    return b"".join(out)
