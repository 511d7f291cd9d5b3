"""Terraform and HCL: a `variable` block names itself on its first line and holds its `default` below.

One reader of engine/structure.py (see there): each pair it finds becomes a synthetic line the
`terraform-secret` rule reads. Linear: one RE2 pass finds the blocks, each looks at a bounded number of
lines.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.structure import _CRED_WORD, _LOOK, TERRAFORM, Pair, _Lines, _pair

_TF_VARIABLE_RE = linear.compile(
    rb"(?m)^[ \t]*variable[ \t]+\"([A-Za-z0-9_.-]{0,80}"
    + rb"(?i:"
    + _CRED_WORD
    + rb")"
    + rb"[A-Za-z0-9_.-]{0,80})\"[ \t]*\{"
)
_TF_DEFAULT_RE = linear.compile(rb"(?:^|[\s{;,])default[ \t]*=[ \t]*")
# `password = <<EOT` / `"db_password" = <<-EOT`: the value is the heredoc's line.
_HCL_HEREDOC_RE = linear.compile(
    rb"(?m)^[ \t]*\"?([A-Za-z0-9_.-]{0,80}(?i:"
    + _CRED_WORD
    + rb")[A-Za-z0-9_.-]{0,80})\"?[ \t]*=[ \t]*<<-?[ \t]*\"?([A-Za-z_][A-Za-z0-9_]{0,40})\"?[ \t]*\r?$"
)


def terraform_pairs(lines: _Lines, path: str) -> list[Pair]:
    data = lines.data
    out = []
    walked = -1  # the last line a block walk read: blocks do not nest, so no line is read twice
    for m in _TF_VARIABLE_RE.finditer(data):
        i = lines.of(m.start())
        if i <= walked:
            continue
        name = (m.start(1), m.end(1), b'"')
        value, walked = _tf_default(lines, i, m.end())
        if value is not None:
            out.append(_pair(TERRAFORM, data, name, value, "Terraform variable default"))
    if b"<<" in data:
        for m in _HCL_HEREDOC_RE.finditer(data):
            i = lines.of(m.start())
            if i + 2 >= len(lines):
                continue
            # One line of content, then the closing word: a multi-line heredoc is a script or a policy.
            if lines.text(i + 2).strip() != m.group(2):
                continue
            start, end = lines.span(i + 1)
            text = lines.text(i + 1)
            value = (start + len(text) - len(text.lstrip()), start + len(text.rstrip()), b"")
            if value[1] > value[0]:
                out.append(_pair(TERRAFORM, data, (m.start(1), m.end(1), b""), value, "HCL heredoc"))
    return out


def _tf_default(lines: _Lines, i: int, body: int) -> tuple[tuple[int, int, bytes] | None, int]:
    """The string `default` of the variable block that opens at offset `body` (on line i), and the
    last line read."""
    data = lines.data
    depth = 1
    j = i
    at = body
    while j < len(lines) and j - i <= _LOOK * 2:
        start, end = lines.span(j)
        at = max(at, start)
        if depth == 1:
            line = data[at:end]
            m = _TF_DEFAULT_RE.search(line)
            if m is not None:
                value_at = at + m.end()
                rest = data[value_at:end]
                if rest.startswith(b'"'):
                    close = _string_end(data, value_at, end)
                    return ((value_at + 1, close, b'"') if close is not None else None), j
                if rest.startswith(b"<<") and j + 1 < len(lines):
                    start2, end2 = lines.span(j + 1)
                    text = lines.text(j + 1)
                    return (start2 + len(text) - len(text.lstrip()), start2 + len(text.rstrip()), b""), j + 1
                return None, j  # a number, a bool, null, a map or a list: not a credential string
        depth += _braces(data[at:end])
        if depth <= 0:
            return None, j
        j += 1
    return None, j


def _string_end(data: bytes, quote_at: int, end: int) -> int | None:
    close = quote_at + 1
    while True:
        close = data.find(b'"', close, end)
        if close == -1:
            return None
        if data[close - 1 : close] != b"\\":
            return close
        close += 1


def _braces(text: bytes) -> int:
    """Net `{` minus `}` outside double-quoted strings and `#` comments on one line."""
    if b'"' not in text and b"#" not in text and b"//" not in text:
        return text.count(b"{") - text.count(b"}")
    depth, inside, k = 0, False, 0
    n = len(text)
    while k < n:
        ch = text[k]
        if inside:
            if ch == 0x5C:  # backslash
                k += 1
            elif ch == 0x22:
                inside = False
        elif ch == 0x22:
            inside = True
        elif ch == 0x23 or (ch == 0x2F and text[k + 1 : k + 2] == b"/"):
            break
        elif ch == 0x7B:
            depth += 1
        elif ch == 0x7D:
            depth -= 1
        k += 1
    return depth


# --------------------------------------------------------------------------- JSON (and JS object literals)
