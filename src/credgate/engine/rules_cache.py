"""The parsed-rules cache: rules already validated by parse_rule, served without parsing TOML again.

Parsing a few hundred TOML rules costs tens of milliseconds on every commit; a cache hit costs a few. It is
never trusted blindly. The cache file holds, verbatim, every byte it was built from (the rule files' paths
and contents, the parsing module's own code, the version and the cached field list) and a hit requires them
to equal, byte for byte, what is read now: an edit that keeps a file's size and mtime still misses. Comparing
bytes is cheaper than hashing them (a memcmp against a SHA-256 of 1.2 MB on every commit). The payload
carries a digest and a rule count that must both check out, the count against the `[[rule]]` tables the
files hold, so a cache that drops rules is not believed even when its digest is recomputed.

Layout: `credgate-rules-cache/3 <count> <sources length> <digest>\n`, the sources, the marshal payload
(built-in types only: strings, tuples, numbers, None).
"""

from __future__ import annotations

import os

from credgate.engine.rules import Near, Rule, RuleError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any

# The field list is part of what a hit must match: a new Rule field never reads an old cache.
_CACHED_FIELDS = tuple(f for f in Rule.__dataclass_fields__ if not f.startswith("_"))
_CACHE_FORMAT = b"credgate-rules-cache/3"
# `[[rule]]` at the start of a line: the count a cache must agree with, read from the files themselves.
# A file that spells the header otherwise (`[[ rule ]]`) is never cached, only parsed each time.
_RULE_HEADER = b"[[rule]]"


def read_sources(paths: list[str]) -> list[tuple[str, bytes]]:
    """Each rule file's bytes (os.open/os.read: a third of the cost of open() for 250 small files)."""
    out = []
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise RuleError(f"{path}: cannot read rule file: {exc.strerror}") from None
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
        except OSError as exc:
            raise RuleError(f"{path}: cannot read rule file: {exc.strerror}") from None
        finally:
            os.close(fd)
        out.append((path, b"".join(chunks)))
    return out


def sha256_hex(data: bytes) -> str:
    # hashlib loads OpenSSL (about 4 ms, on every commit); CPython's built-in SHA-256 module gives the
    # same digest. It is `_sha256` up to 3.11 and `_sha2` from 3.12.
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return str(sha256(data).hexdigest())


def _code() -> bytes:
    """The parsing code's bytes: a change in parsing must not be served from an old cache."""
    from credgate.engine import rules

    out = []
    for path in (rules.__file__, __file__):
        try:
            with open(str(path), "rb") as fh:
                out.append(fh.read())
        except OSError:
            out.append(b"")
    return b"".join(out)


def cache_input(sources: list[tuple[str, bytes]]) -> bytes:
    """Everything the cached rules are made from, length-prefixed so no two different inputs are equal."""
    from credgate import __version__

    parts = [_CACHE_FORMAT, __version__.encode(), repr(_CACHED_FIELDS).encode(), _code()]
    for path, raw in sources:
        parts += [os.fsencode(path), raw]
    return b"".join(b"%d:%s" % (len(p), p) for p in parts)


def cache_key(sources: list[tuple[str, bytes]]) -> str:
    """A digest of cache_input: it names the cache file (the content check is the byte comparison)."""
    return sha256_hex(cache_input(sources))


def _file_name(sources: list[tuple[str, bytes]]) -> str:
    # Cheap to compute (paths and sizes, no content): a file whose content changed at the same size lands
    # on the same name and fails the byte comparison, which rebuilds it.
    # A CRC, not SHA-256 (whose module costs a warm start a load of its own): a name shared by two rule
    # sets only makes them rebuild each other's cache.
    import binascii

    from credgate import __version__

    sig = "\0".join([__version__, *(f"{path}\0{len(raw)}" for path, raw in sources)]).encode()
    return f"rules-{binascii.crc32(sig):08x}{len(sig):08x}.bin"


def expected_count(sources: list[tuple[str, bytes]]) -> int:
    return sum(raw.count(b"\n" + _RULE_HEADER) + raw.startswith(_RULE_HEADER) for _, raw in sources)


def _to_tuple(rule: Rule) -> tuple[Any, ...]:
    out = []
    for name in _CACHED_FIELDS:
        value = getattr(rule, name)
        if name == "near":
            value = (value.rule, value.lines) if value else None
        out.append(value)
    return tuple(out)


def _from_tuple(values: tuple[Any, ...]) -> Rule:
    # The fields were validated by parse_rule when the cache was built; setting them directly skips the
    # dataclass __init__ (a quarter of a warm start's rule loading). Private fields keep their class defaults.
    rule = Rule.__new__(Rule)
    rule.__dict__.update(zip(_CACHED_FIELDS, values))
    near = rule.__dict__["near"]
    if near is not None:
        rule.near = Near(*near)
    return rule


def payload_digest(payload: bytes | memoryview) -> str:
    """A check of the payload's integrity (a torn or edited file), not of who wrote it: whoever can write the
    cache can recompute any digest, which is why the rule count is checked against the rule files."""
    # binascii's CRC-32 is zlib's (the same values), and the hook has binascii loaded already.
    import binascii

    return f"{binascii.crc32(payload):08x}-{len(payload)}"


def cached_rules(sources: list[tuple[str, bytes]], cache_dir: str) -> list[Rule] | None:
    """The cached rules, or None (rebuild) unless the file is the one for these sources and intact."""
    import marshal

    target = os.path.join(cache_dir, _file_name(sources))
    try:
        with open(target, "rb") as fh:
            blob = fh.read()
        # Views, not slices: a warm start would otherwise copy the megabyte file three more times.
        start = blob.index(b"\n") + 1
        fmt, count_text, size_text, digest = blob[: start - 1].split(b" ")
        count, size = int(count_text), int(size_text)
        expected = cache_input(sources)
        payload = memoryview(blob)[start + size :]
        if (
            fmt != _CACHE_FORMAT
            or size != len(expected)
            or not blob.startswith(expected, start)  # a memcmp in place
            or count <= 0
            or count != expected_count(sources)
            or digest.decode() != payload_digest(payload)
        ):
            return None
        docs = marshal.loads(payload)
        if not isinstance(docs, tuple) or len(docs) != count:
            return None
        return [_from_tuple(d) for d in docs]
    except (OSError, ValueError, TypeError, KeyError, EOFError, UnicodeDecodeError):
        return None  # missing, corrupt or from another layout: parse the rule files again


def store_rules(sources: list[tuple[str, bytes]], rules: list[Rule], cache_dir: str) -> None:
    import marshal
    import tempfile

    if len(rules) != expected_count(sources):
        return  # a file writes its tables in a way the count does not see: never cache what cannot be checked
    target = os.path.join(cache_dir, _file_name(sources))
    try:
        payload = marshal.dumps(tuple(_to_tuple(r) for r in rules))
        expected = cache_input(sources)
        header = b"%s %d %d %s\n" % (
            _CACHE_FORMAT,
            len(rules),
            len(expected),
            payload_digest(payload).encode(),
        )
        os.makedirs(cache_dir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(header + expected + payload)
        os.replace(tmp, target)
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written only costs speed
