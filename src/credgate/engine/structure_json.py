"""JSON: ECS task definitions' `{"name": ..., "value": ...}` env entries, Terraform JSON defaults and JWKs.

One reader of engine/structure.py (see there). It keeps a stack of open objects over the few kilobytes
around each credential-named `name` or `kty`, stretches merged so no byte is read twice, one RE2 match per
bracket or wanted member.
"""

from __future__ import annotations

from dataclasses import dataclass

from credgate.engine import linear
from credgate.engine.structure import (
    _CRED_NAME_RE,
    _CRED_WORD,
    _KTY_RE,
    _NAME_OK_RE,
    ENV_ENTRY,
    JWK,
    TERRAFORM,
    Pair,
    _pair,
    _plain_values,
)

_JWK_PRIVATE = (b"d", b"p", b"q", b"dp", b"dq", b"qi")
_JWK_KEYS = frozenset((b"kty", b"k") + _JWK_PRIVATE)
_ENV_KEYS = frozenset((b"name", b"value"))
_STRING = rb"\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\\\r\n]|\\.)*'"
_MEMBERS = rb"name|value|Name|Value|kty|d|p|q|dp|dq|qi|k|default"
# One match per token that matters: a bracket (with the key it opens under, if any), or a member the
# readers want with its string value. Every other string, key and value is skipped inside the match (a
# whole string at a time, so a bracket inside a string is never read as one): the Python loop runs once
# per bracket or wanted member, not once per string. A bare key is told from a longer word by the byte
# before it, not by `\b`: a word boundary keeps RE2 off its DFA and made this pattern 25 times slower.
_JSON_RE = linear.compile(
    rb"(?:" + _STRING + rb"|[^{}\[\]])*?"
    rb"(?:\"(?P<ckey>[^\"\\\r\n]{1,200})\"[ \t\r\n]*:[ \t\r\n]*(?P<copen>\{)"
    rb"|(?:\"(?P<kd>"
    + _MEMBERS
    + rb")\"|'(?P<ks>"
    + _MEMBERS
    + rb")'|(?P<pre>[ \t\r\n,{])(?P<kb>name|value|Name|Value))"
    rb"[ \t\r\n]*:[ \t\r\n]*(?:\"(?P<dq>(?:[^\"\\\r\n]|\\.)*)\"|'(?P<sq>(?:[^'\\\r\n]|\\.)*)'"
    rb"|(?P<bare>[^\s,{}\[\]\"'#][^,{}\[\]\r\n]*))?"
    rb"|(?P<open>[{\[])|(?P<close>[}\]]))"
)


@dataclass
class _Frame:
    """An object still open on the JSON reader's stack, with the members read so far."""

    key: bytes  # the key this object sits under in its parent ("" at the top or in a list)
    is_object: bool
    fields: dict[bytes, tuple[int, int, bytes]]


def json_pairs(data: bytes, path: str, env: bool, jwk: bool) -> list[Pair]:
    """A stack of open objects over the brackets and wanted members of JSON (or a JS object literal).

    An object closes with all its members known, in any order: `{"value": ..., "name": ...}` pairs as
    well as the usual order, and a JWK's `kty` may follow its `d`.
    """
    tf_json = path.lower().endswith(".tf.json")
    wanted = (_ENV_KEYS if env else frozenset()) | (_JWK_KEYS if jwk else frozenset())
    if tf_json:
        return _json_span(data, path, 0, len(data), wanted | {b"default"}, tf_json, env, jwk)
    # Only the stretch around each `"name": "<credential>"` or `"kty":` is read: the object that holds
    # it starts and ends within a few kilobytes. A hit inside a stretch already read opens none.
    hit_re = _ENV_OR_KTY_RE if env and jwk else _ENV_NAME_JSON_RE if env else _KTY_RE
    out: list[Pair] = []
    pos = 0
    while (m := hit_re.search(data, pos)) is not None:
        start, end = _window(data, m.start(), pos, _JSON_WINDOW)
        out += _json_span(data, path, start, end, wanted, tf_json, env, jwk)
        pos = max(end, m.end())
    return out


_JSON_WINDOW = 8192  # bytes either side: an 8192-bit RSA JWK with every member is about 7 KB
_ENV_NAME_JSON = rb"(?i:[\"']?name[\"']?[ \t\r\n]*:[ \t\r\n]*[\"']?[A-Za-z0-9_.-]{0,80}" + _CRED_WORD + rb")"
_ENV_NAME_JSON_RE = linear.compile(_ENV_NAME_JSON)
_ENV_OR_KTY_RE = linear.compile(_ENV_NAME_JSON + rb"|[\"']kty[\"'][ \t\r\n]*:")


def _window(data: bytes, h: int, floor: int, margin: int) -> tuple[int, int]:
    """The stretch within `margin` bytes of a hit, starting no earlier than `floor` (read already).

    It starts at a line's start, or on one long line (minified JSON) at an object's opening `{"`, so
    that it never starts inside a string; it ends at a line's end when one is near.
    """
    lo = max(floor, h - margin)
    if lo > floor:
        back = max(floor, lo - margin)
        nl = data.rfind(b"\n", back, lo)
        lo = nl + 1 if nl != -1 else max(data.rfind(b'{"', back, lo), data.rfind(b"{'", back, lo), back)
    hi = min(len(data), h + margin)
    nl = data.find(b"\n", hi, hi + margin)
    hi = min(len(data), hi + margin) if nl == -1 else nl
    return lo, hi


def _json_span(
    data: bytes,
    path: str,
    base: int,
    stop: int,
    wanted: frozenset[bytes],
    tf_json: bool,
    env: bool,
    jwk: bool,
) -> list[Pair]:
    text = data[base:stop]
    out: list[Pair] = []
    stack: list[_Frame] = [_Frame(b"", False, {})]
    deeper = 0  # open brackets past _MAX_DEPTH, not on the stack
    g = _JSON_RE.groupindex
    close, opened, copen, ckey, kd, ks, kb, dq, sq, bare, pre = (
        g[n]
        for n in (b"close", b"open", b"copen", b"ckey", b"kd", b"ks", b"kb", b"dq", b"sq", b"bare", b"pre")
    )
    # A YAML flow mapping's plain scalars (`- {name: DB_PASSWORD, value: s3cret}`) are values; in JSON
    # and code an unquoted value is a number, a literal or an expression, never the credential itself.
    plain = _plain_values(path)
    for m in _JSON_RE.finditer(text):
        if m.start(close) != -1:
            if deeper:
                deeper -= 1
            elif len(stack) > 1:
                frame = stack.pop()
                if frame.is_object and frame.fields:
                    out.extend(_judge_object(data, frame, stack, tf_json, env, jwk))
            continue
        if m.start(opened) != -1 or m.start(copen) != -1:
            if deeper or len(stack) >= _MAX_DEPTH:
                deeper += 1
            else:
                is_object = m.start(copen) != -1 or m.group(opened) == b"{"
                stack.append(_Frame(m.group(ckey), is_object, {}))
            continue
        if m.start(pre) != -1 and m.group(pre) == b"{":  # `{name: ...}`: the bracket opens an object
            if deeper or len(stack) >= _MAX_DEPTH:
                deeper += 1
            else:
                stack.append(_Frame(b"", True, {}))
        key = m.group(kd if m.start(kd) != -1 else ks if m.start(ks) != -1 else kb)
        key = key.lower() if key.lower() in _ENV_KEYS else key
        value = dq if m.start(dq) != -1 else sq if m.start(sq) != -1 else bare if plain else None
        frame = stack[-1]
        if value is None or m.start(value) == -1 or deeper or not frame.is_object:
            continue
        if key not in wanted or key in frame.fields:
            continue
        vs, ve = base + m.start(value), base + m.end(value)
        if value == bare:
            stop = data.find(b" #", vs, ve)
            ve = ve if stop == -1 else stop
            while ve > vs and data[ve - 1] in b" \t":
                ve -= 1
            frame.fields[key] = (vs, ve, b"")
        else:
            frame.fields[key] = (vs, ve, data[vs - 1 : vs])
    return out


_MAX_DEPTH = 64


def _judge_object(
    data: bytes, frame: _Frame, stack: list[_Frame], tf_json: bool, env: bool, jwk: bool
) -> list[Pair]:
    f = frame.fields
    if env and b"name" in f and b"value" in f:
        ns, ne, q = f[b"name"]
        if _NAME_OK_RE.match(data[ns:ne]) and _CRED_NAME_RE.search(data[ns:ne]):
            return [_pair(ENV_ENTRY, data, (ns, ne, q), f[b"value"], "env entry")]
    if jwk and b"kty" in f:
        kty = data[f[b"kty"][0] : f[b"kty"][1]]
        member = b"k" if kty == b"oct" else next((k for k in _JWK_PRIVATE if k in f), None)
        if member is not None and member in f and kty in (b"RSA", b"EC", b"OKP", b"oct"):
            value = f[member]
            # The name says which key and which member: `RSA.d`, `oct.k`.
            return [
                Pair(JWK, kty + b"." + member, value[0], value[1], value[2], f[b"kty"][0], "JSON Web Key")
            ]
    named = (
        tf_json and _CRED_NAME_RE.search(frame.key) is not None and _NAME_OK_RE.match(frame.key) is not None
    )
    if named and b"default" in f and len(stack) >= 2 and stack[-1].key == b"variable":
        vs, ve, q = f[b"default"]
        return [Pair(TERRAFORM, frame.key, vs, ve, q, vs, "Terraform variable default")]
    return []


# --------------------------------------------------------------------------- pairs
