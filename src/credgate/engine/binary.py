"""Which rules are trusted inside a binary blob, and the pattern each one uses there.

In a binary a token sits between arbitrary bytes: a compiled Python module stores the string
`ghp_...` right after its length byte and right before the next constant's type code (`N` for None),
so a rule's `\\b` boundaries fail and a GitHub token in a committed `.pyc` went unseen. Context rules
(a key name, an assignment) mean nothing in compressed or compiled noise.

A rule drops its boundaries inside binaries when its token proves itself:
- its secret has a distinctive literal prefix (four characters or more: `ghp_`, `glsa_`, `sk-ant-api`);
- it has a fixed length, so the token's end is known without a boundary, or an offline validator that
  confirms the exact bytes;
- it is of high confidence, or its validator is a checksum (GitHub's and npm's CRC32);
- and it needs nothing outside the secret (no key name or assignment around it).

Such a rule matches its secret group alone, without boundaries. Other rules of high confidence (not
paired with a `near` partner) still run inside binaries with their full pattern, as before.
"""

from __future__ import annotations

import warnings

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any

MIN_PREFIX = 4
CHECKSUMS = frozenset({"github-crc32", "npm-crc32"})  # validators that prove the exact bytes
_SECRET_OPEN = "(?P<secret>"
_patterns: dict[str, tuple[Any, bool]] = {}  # rule id -> (pattern or None, fixed length?)
_sources: dict[str, str] = {}  # rule id -> the source of its pattern inside binaries (compiled as Latin-1)


def secret_source(regex: str) -> str | None:
    """The source of the rule's `(?P<secret>...)` group, or None."""
    at = regex.find(_SECRET_OPEN)
    if at == -1:
        return None
    i, depth, in_class = at + len(_SECRET_OPEN), 1, False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return regex[at + len(_SECRET_OPEN) : i]
        i += 1
    return None


def _parse(pattern: str) -> Any:
    try:
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_parse as parser
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parser, parser.parse(pattern)


def _literal_prefix(parser: Any, items: list[Any]) -> int:
    """Characters every match must start with, literally (through groups and alternations)."""
    n = 0
    for op, av in items:
        if op is parser.LITERAL:
            n += 1
        elif op is parser.SUBPATTERN:
            return n + _literal_prefix(parser, list(av[-1]))
        elif op is parser.BRANCH:
            return n + min(_literal_prefix(parser, list(branch)) for branch in av[1])
        else:
            return n
    return n


def binary_pattern(rule: Any) -> Any | None:
    """The RE2 pattern (secret as group 1) this rule uses inside binaries; None: the rule's own, if any."""
    if rule.id not in _patterns:
        _patterns[rule.id] = _build(rule)
    return _patterns[rule.id][0]


def binary_source(rule: Any) -> str | None:
    """The source of `binary_pattern(rule)` (RE2 reads it as Latin-1: one byte, one character), or None."""
    return _sources.get(rule.id) if binary_pattern(rule) is not None else None


def fixed_length(rule: Any) -> bool:
    """Whether the rule's token has one length: then it is found even with token characters around it. A
    variable-length token (a PyPI macaroon) needs a byte after it that its alphabet does not hold."""
    binary_pattern(rule)
    return _patterns[rule.id][1]


def _build(rule: Any) -> tuple[Any | None, bool]:
    none = (None, False)
    if rule.generic or rule.near is not None:
        return none
    if rule.confidence != "high" and rule.validate not in CHECKSUMS:
        # `(?:AKIA|ASIA|...)[A-Z2-7]{16}` without its boundaries reads words in a symbol table
        # (`ASIAOMEGA...`): only a token whose format alone is conclusive may drop them.
        return none
    source = secret_source(rule.regex)
    if source is None:
        return none
    flags = "(?i)" if rule.regex.startswith("(?i)") else ""
    try:
        parser, secret = _parse(flags + source)
        _, whole = _parse(rule.regex)
    except Exception:  # RE2 syntax Python's parser does not know: keep the rule's usual handling
        return none
    low, high = secret.getwidth()
    if whole.getwidth()[0] != low:
        return none  # the rule needs context around the secret (a key name, an assignment)
    if _literal_prefix(parser, list(secret)) < MIN_PREFIX or (low != high and rule.validate is None):
        return none
    import re2

    options = re2.Options()
    options.log_errors = False
    options.encoding = re2.Options.Encoding.LATIN1  # one byte, one character: binaries are not UTF-8
    try:
        compiled = re2.compile(f"{flags}({source})".encode(), options)
    except re2.error:
        return none
    _sources[rule.id] = f"{flags}({source})"
    return compiled, low == high
