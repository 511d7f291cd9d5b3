"""Credentials whose name and value are joined by the file's structure, not by one line.

A Kubernetes env entry puts the name on one line and the value on the next (`- name: DB_PASSWORD` /
`value: ...`), an ECS task definition spreads `{"name": ..., "value": ...}` over lines, a Terraform
variable names itself on the block line and holds its `default` lines below, a YAML block scalar
(`password: |`) puts the value on the next indented line, and a JSON Web Key is a private key only
when it holds private members (`d`, `k`...). No single-line rule sees any of them.

This module associates a credential-named key with the value that follows it in the same object or
block, with a small line-aware reader per structure (not a YAML, JSON or HCL parser), and writes each
pair as one synthetic line, `credgate-structure:<rule id> NAME = "value"`. The scanner runs the
structure rules (rules/structure.toml) over those lines, so every pair passes the same decoy filters
as a one-line assignment (references, placeholders, weak passwords, test files, allow markers), and
each finding is moved back to the value's own line and column in the file.

Every reader is linear in the input: a keyword check decides whether a reader runs at all, candidate
lines are found by one RE2 pass, and each candidate looks at a bounded number of lines around it. The
JSON reader keeps a stack of open objects over the few kilobytes around each credential-named `name` or
`kty`, stretches merged so no byte is read twice, one RE2 match per bracket or wanted member. Pure:
bytes in, pairs and findings out.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from dataclasses import dataclass, replace

from credgate.engine import linear
from credgate.engine.content import Content, LineIndex, prepare

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from credgate.engine.rules import RuleSet
    from credgate.engine.scanner import Scanner, ScanResult

TAG = b"credgate-structure:"
ENV_ENTRY = "env-entry-secret"
TERRAFORM = "terraform-secret"
YAML_MULTILINE = "yaml-multiline-secret"
JWK = "jwk-private-key"
FAMILIES = (ENV_ENTRY, TERRAFORM, YAML_MULTILINE, JWK)

_LOOK = 24  # lines: how far an env entry's siblings, or a block's first value line, may sit from the name
_MAX_VALUE = 4096  # bytes of one value copied into a synthetic line (a 8192-bit JWK `d` is 1366)
_MAX_TAIL = 256  # bytes of the value line after the value (a comment, an allow marker)
_MARKERS = (b"credgate:allow", b"pragma: allowlist")

# A name worth pairing: any credential word. The structure rules' regexes decide precisely; this only
# keeps the synthetic text small.
_CRED_WORD = rb"(?:pass|pwd|secret|token|key|cred|auth|priv)"
_CRED_NAME_RE = linear.compile(rb"(?i)" + _CRED_WORD)
_NAME_OK_RE = linear.compile(rb"^[A-Za-z0-9_.-]{1,120}$")


_HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
_KTY_RE = linear.compile(rb"[\"']kty[\"'][ \t\r\n]*:")


@dataclass(frozen=True)
class Pair:
    """A credential-named key and the span of its value in the scanned bytes."""

    rule: str  # the structure rule that judges it
    name: bytes
    start: int
    end: int
    quote: bytes  # b'"', b"'" or b"" (a plain YAML scalar, a heredoc line)
    name_at: int  # offset of the name, for the finding's note
    what: str  # the structure, as the note names it


# --------------------------------------------------------------------------- lines


class _Lines:
    """Line starts of one buffer, and a line's bytes without its end of line."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        starts = [0]
        find = data.find
        pos = find(b"\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find(b"\n", pos + 1)
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts)

    def of(self, offset: int) -> int:
        """0-based line number of an offset."""
        return bisect_right(self.starts, offset) - 1

    def span(self, i: int) -> tuple[int, int]:
        start = self.starts[i]
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.data)
        if end > start and self.data[end - 1 : end] == b"\r":
            end -= 1
        return start, end

    def text(self, i: int) -> bytes:
        start, end = self.span(i)
        return self.data[start:end]


def _indent(line: bytes) -> int:
    return len(line) - len(line.lstrip(b" "))


def _blank_or_comment(line: bytes) -> bool:
    s = line.strip()
    return not s or s.startswith(b"#")


# --------------------------------------------------------------------------- YAML scalars


def _scalar(data: bytes, start: int, end: int) -> tuple[int, int, bytes] | None:
    """The value span and quote of a one-line YAML scalar in data[start:end], or None.

    A flow collection, an anchor, an alias, a tag (`!Ref`, `!vault`) or a block indicator is not a
    one-line value.
    """
    while start < end and data[start : start + 1] in (b" ", b"\t"):
        start += 1
    if start >= end:
        return None
    first = data[start : start + 1]
    if first in (b'"', b"'"):
        close = start + 1
        while True:
            close = data.find(first, close, end)
            if close == -1:
                return None
            if first == b'"' and data[close - 1 : close] == b"\\":
                close += 1
                continue
            if first == b"'" and data[close + 1 : close + 2] == b"'":
                close += 2
                continue
            return start + 1, close, first
    if first in b"{[&*!|>%@`#":
        return None
    stop = data.find(b" #", start, end)
    stop = end if stop == -1 else stop
    while stop > start and data[stop - 1 : stop] in (b" ", b"\t"):
        stop -= 1
    return (start, stop, b"") if stop > start else None


# `  - name: X`, `    value: Y`, `- Name: X` (CloudFormation): a key of a mapping, maybe opening a list item.
_YAML_KEY_RE = linear.compile(
    rb"^( *)((?:- +)*)([A-Za-z_][A-Za-z0-9_.-]{0,100}|\"[^\"]{1,100}\"|'[^']{1,100}')[ \t]*:(?:[ \t]|$)"
)
_ENV_NAME_RE = linear.compile(
    rb"(?im)^[ \t]*(?:- +)*[\"']?name[\"']?[ \t]*:[ \t]*[\"']?[A-Za-z0-9_.-]{0,80}" + _CRED_WORD
)


def _yaml_key(line: bytes) -> tuple[int, bool, bytes, int] | None:
    """(column of the key, opens a list item, key in lower case, offset of the text after the colon)."""
    m = _YAML_KEY_RE.match(line)
    if m is None:
        return None
    key = m.group(3).strip(b"\"'").lower()
    return m.start(3), bool(m.group(2)), key, m.end(3)


def _env_entries_yaml(lines: _Lines) -> list[Pair]:
    """`- name: DB_PASSWORD` with `value: ...` in the same list item, in either order."""
    data = lines.data
    out = []
    for m in _ENV_NAME_RE.finditer(data):
        i = lines.of(m.start())
        parsed = _yaml_key(lines.text(i))
        if parsed is None or parsed[2] != b"name":
            continue
        col, opens, _, after = parsed
        line_start, line_end = lines.span(i)
        name = _scalar(data, line_start + after + 1, line_end)
        if name is None or not _NAME_OK_RE.match(data[name[0] : name[1]]):
            continue
        value = None
        # The item's other keys sit at the same column, before (back to the line that opens the item)
        # and after (until a line at a smaller column, or the next item).
        j, seen = i, 0
        while not opens and j > 0 and seen < _LOOK and value is None:
            j, seen = j - 1, seen + 1
            text = lines.text(j)
            if _blank_or_comment(text):
                continue
            got = _yaml_key(text)
            if got is None and _indent(text) > col:
                continue  # a line of a sibling's block or list
            if got is None or got[0] < col:
                break
            if got[0] == col:
                value = _yaml_value(lines, j, got) if got[2] == b"value" else value
                if got[1]:
                    break  # the line that opens the item
        j, seen = i, 0
        while value is None and j + 1 < len(lines) and seen < _LOOK:
            j, seen = j + 1, seen + 1
            text = lines.text(j)
            if _blank_or_comment(text):
                continue
            if _indent(text) < col:
                break
            got = _yaml_key(text)
            if got is None or got[0] > col:
                continue  # nested under a sibling (`valueFrom:` / `secretKeyRef:`), or a block's lines
            if got[0] < col or got[1]:
                break  # the next item
            if got[2] == b"value":
                value = _yaml_value(lines, j, got)
                break
        if value is not None:
            out.append(_pair(ENV_ENTRY, data, name, value, "env entry"))
    return out


def _yaml_value(lines: _Lines, i: int, parsed: tuple[int, bool, bytes, int]) -> tuple[int, int, bytes] | None:
    """The scalar after `value:` on line i, or on the next line for `value: |` / `value:`."""
    start, end = lines.span(i)
    data = lines.data
    at = start + parsed[3] + 1
    rest = data[at:end].strip()
    if not rest or rest.startswith(b"#") or rest[:1] in (b"|", b">"):
        if rest[:1] in (b"|", b">") and not _BLOCK_HEAD_RE.match(rest):
            return None
        return _next_line_value(lines, i, parsed[0], block=bool(rest) and rest[:1] in (b"|", b">"))
    return _scalar(data, at, end)


_BLOCK_HEAD_RE = linear.compile(rb"^[|>][-+0-9]{0,3}[ \t]*(?:#.*)?$")


def _next_line_value(lines: _Lines, i: int, col: int, block: bool) -> tuple[int, int, bytes] | None:
    """The value that starts on the line after a key at column `col`: the only line of a block scalar,
    or a plain or quoted scalar. A value of several lines (a certificate, a script) is not one value."""
    j = i + 1
    while j < len(lines) and j - i <= 3 and not lines.text(j).strip():
        j += 1
    if j >= len(lines) or j - i > 3:
        return None
    text = lines.text(j)
    indent = _indent(text)
    if indent <= col:
        return None
    # One line only: the next non-blank line must close the value (a smaller indent, or the end).
    k = j + 1
    while k < len(lines) and k - j <= 3 and not lines.text(k).strip():
        k += 1
    if k < len(lines) and _indent(lines.text(k)) >= indent and lines.text(k).strip():
        return None
    start, end = lines.span(j)
    if block:
        while end > start and lines.data[end - 1 : end] in (b" ", b"\t"):
            end -= 1
        return start + indent, end, b""
    stripped = text.strip()
    if stripped.startswith((b"- ", b"#")) or stripped == b"-" or _yaml_key(text) is not None:
        return None  # a list, a comment or a nested mapping: not a scalar
    return _scalar(lines.data, start + indent, end)


# `password: |`, `db_password: >-`, `api_token:` with the value on the next line (YAML files only).
_YAML_MULTI_RE = linear.compile(
    rb"(?im)^( *)((?:- +)*)[\"']?([A-Za-z0-9_.-]{0,80}"
    + _CRED_WORD
    + rb"[A-Za-z0-9_.-]{0,80})[\"']?[ \t]*:[ \t]*([|>][-+0-9]{0,3})?[ \t]*(?:#[^\r\n]*)?\r?$"
)


def _yaml_multiline(lines: _Lines) -> list[Pair]:
    data = lines.data
    out = []
    for m in _YAML_MULTI_RE.finditer(data):
        i = lines.of(m.start())
        col = m.start(3) - lines.starts[i]
        value = _next_line_value(lines, i, col, block=m.start(4) != -1)
        if value is None:
            continue
        name = (m.start(3), m.end(3), b"")
        what = "YAML block scalar" if m.start(4) != -1 else "YAML value on the next line"
        out.append(_pair(YAML_MULTILINE, data, name, value, what))
    return out


def _plain_values(path: str) -> bool:
    """Whether an unquoted value in a flow mapping can be a credential: not in JSON or source code."""
    from credgate.engine.filters import CODE_EXTENSIONS

    ext = path.rsplit("/", 1)[-1].rsplit(".", 1)[-1].lower()
    return ext not in CODE_EXTENSIONS and ext not in ("json", "jsonc", "json5", "ipynb", "jsii")


def _is_yaml(path: str) -> bool:
    base = path.rsplit("/", 1)[-1].lower()
    return any(part in (".yml", ".yaml") for part in _suffixes(base))


def _suffixes(base: str) -> list[str]:
    """`.yaml` and `.tmpl` for `values.yaml.tmpl`: every dotted part after the first."""
    parts = base.split(".")
    return ["." + p for p in parts[1:]]


# --------------------------------------------------------------------------- Terraform / HCL


def _pair(
    rule: str, data: bytes, name: tuple[int, int, bytes], value: tuple[int, int, bytes], what: str
) -> Pair:
    return Pair(rule, data[name[0] : name[1]], value[0], value[1], value[2], name[0], what)


def pairs(
    data: bytes,
    path: str,
    families: frozenset[str] | tuple[str, ...] = FAMILIES,
    lowered: bytes | None = None,
) -> list[Pair]:
    """Every credential-named key and its value that the file's structure joins, in offset order (`lowered`:
    data lower-cased, when the caller has it already)."""
    if lowered is None:
        lowered = data.lower()
    lines: _Lines | None = None
    found: list[Pair] = []
    env = ENV_ENTRY in families and b"name" in lowered and b"value" in lowered
    if env and _ENV_NAME_RE.search(data) is not None:
        lines = _Lines(data)
        found += _env_entries_yaml(lines)
    if YAML_MULTILINE in families and b":" in data and _is_yaml(path):
        lines = lines or _Lines(data)
        found += _yaml_multiline(lines)
    if TERRAFORM in families and path.lower().endswith(_HCL_SUFFIXES):
        lines = lines or _Lines(data)
        from credgate.engine.structure_hcl import terraform_pairs

        found += terraform_pairs(lines, path)
    jwk = JWK in families and b"kty" in lowered and _KTY_RE.search(data) is not None
    env_json = env and (b'"name"' in lowered or b"'name'" in lowered or b"name:" in lowered)
    tf_json = TERRAFORM in families and path.lower().endswith(".tf.json")
    if jwk or env_json or tf_json:
        from credgate.engine.structure_json import json_pairs

        found += json_pairs(data, path, env_json, jwk)
    seen: set[tuple[int, int]] = set()
    out = []
    for p in sorted(found, key=lambda p: (p.start, p.rule)):
        if (p.start, p.end) in seen or p.end <= p.start or p.end - p.start > _MAX_VALUE:
            continue
        if b"\n" in data[p.start : p.end]:
            continue
        seen.add((p.start, p.end))
        out.append(p)
    return out


def _markers(text: bytes) -> bytes:
    """The allow markers a line holds, from the first one on, as a comment; b"" if none."""
    at = min((k for k in (text.find(m) for m in _MARKERS) if k != -1), default=-1)
    return b"# " + text[at : at + 200] if at != -1 else b""


def synthesize(data: bytes, found: list[Pair]) -> tuple[bytes, list[int]]:
    """The synthetic text the structure rules read: per pair, a line of the allow markers around it in
    the file, then `credgate-structure:<rule> NAME = <value><rest of the value's line>`. Returns the
    text and, per pair, the offset of its value in the text (values are copied byte for byte)."""
    lines = _Lines(data)
    chunks: list[bytes] = []
    size = 0
    at: list[int] = []
    for p in found:
        value_line = lines.of(p.start)
        name_line = lines.of(p.name_at)
        # The allow markers that cover the value in the file: a next-line marker above the value line or
        # above the name line goes on the line before the pair, and a marker on the name line (the entry's
        # own line, for a reader) goes at the end of the pair's line, as one on the value line would.
        context = [
            _markers(lines.text(i)) for i in sorted({value_line - 1, name_line - 1}) if 0 <= i != name_line
        ]
        own = _markers(lines.text(name_line)) if name_line != value_line else b""
        if name_line == value_line - 1:
            context.append(own)
        head = (
            b" ".join(c for c in context if c)
            + b"\n"
            + TAG
            + p.rule.encode()
            + b" "
            + p.name
            + b" = "
            + p.quote
        )
        _, line_end = lines.span(value_line)
        tail = data[p.end : min(line_end, p.end + _MAX_TAIL)]
        if p.quote:
            tail = tail[1:] if tail.startswith(p.quote) else tail
            tail = p.quote + tail
        elif tail.strip():
            tail = b"\t" + tail.strip()
        if own:
            tail += (b" " if p.quote else b"\t") + own
        chunk = head + data[p.start : p.end] + tail.replace(b"\n", b" ") + b"\n"
        at.append(size + len(head))
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), at


# --------------------------------------------------------------------------- scanner hook

_sub_rulesets: weakref.WeakKeyDictionary[RuleSet, tuple[RuleSet, frozenset[str]] | None]
_sub_rulesets = weakref.WeakKeyDictionary()


def _structure_rules(ruleset: RuleSet) -> tuple[RuleSet, frozenset[str]] | None:
    """The structure rules of a rule set (those not disabled), as a rule set of their own, and their ids."""
    if ruleset not in _sub_rulesets:
        from credgate.engine.rules import RuleSet

        own = [r for r in ruleset.rules if r.id in FAMILIES]
        _sub_rulesets[ruleset] = (RuleSet(own), frozenset(r.id for r in own)) if own else None
    return _sub_rulesets[ruleset]


def _not_found_yet(found: list[Pair], result: ScanResult) -> list[Pair]:
    """The pairs whose value no finding of the scan overlaps (a provider token under `value:` is reported
    once, by its provider rule). Sorted starts and a running maximum of ends: no pair-by-finding loop."""
    spans = sorted((f.offset, f.offset + max(len(f.secret), 1)) for f in result.findings)
    starts = [a for a, _ in spans]
    reach: list[int] = []
    for _, b in spans:
        reach.append(max(b, reach[-1]) if reach else b)
    out = []
    for p in found:
        k = bisect_right(starts, p.end - 1) - 1  # the findings that start before the value ends
        if k < 0 or reach[k] <= p.start:
            out.append(p)
    return out


def extend(
    scanner: Scanner, raw: bytes, path: str, result: ScanResult, prepared: tuple[Content, bytes] | None = None
) -> ScanResult:
    """Add to a scan's result the findings of the pairs the file's structure joins.

    A pair whose value already holds a finding (a provider token under `value:`) adds nothing.
    `prepared`: `prepare(raw)` and its data lower-cased, when the caller has them already.
    """
    if result.kind == "binary":
        return result
    own = _structure_rules(scanner.ruleset)
    if own is None:
        return result
    rules, families = own
    data, lowered = (prepared[0].data, prepared[1]) if prepared is not None else (prepare(raw).data, None)
    found = pairs(data, path, families, lowered)
    if not found:
        return result
    found = _not_found_yet(found, result)
    if not found:
        return result
    from credgate.engine.scanner import MAX_DECODE_DEPTH, Scanner

    text, starts = synthesize(data, found)
    sub = Scanner(rules, include_hidden=scanner.include_hidden, notices=scanner.notices)
    inner = sub._scan(text, path, MAX_DECODE_DEPTH)
    index = LineIndex(data)
    text_index = LineIndex(text)
    pair_lines = [text_index.line_of(s) for s in starts]
    for f in inner.findings:
        k = bisect_right(starts, f.offset) - 1
        if k < 0:
            continue
        p = found[k]
        at = p.start + (f.offset - starts[k])
        if not p.start <= at < p.end:
            continue
        line, col = index.position(at)
        end_line = index.line_of(at + max(len(f.secret), 1) - 1)
        name_line = index.line_of(p.name_at)
        where = f"{p.what}: {p.name.decode('utf-8', 'replace')}"
        where += f" (line {name_line})" if name_line != line else ""
        note = f"{where}; {f.note}" if f.note else where
        result.findings.append(
            replace(f, line=line, col=col, end_line=max(end_line, line), offset=at, note=note)
        )
    for rule_id, syn_line, reason in inner.suppressed:
        k = bisect_right(pair_lines, syn_line) - 1
        if k >= 0 and pair_lines[k] == syn_line:
            result.suppressed.append((rule_id, index.line_of(found[k].start), reason))
    result.findings.sort(key=lambda f: (f.line, f.col, f.rule_id))
    return result
