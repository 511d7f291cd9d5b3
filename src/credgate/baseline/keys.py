"""The key a baseline entry stores for a finding's value (one function, `value_key`, swappable)."""

from __future__ import annotations

from credgate.engine.finding import Finding

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Callable


def is_low_entropy(secret: bytes) -> bool:
    """Whether a dictionary could find this value from a hash of it, however slow the hash: the
    same test SARIF fingerprints use (`credgate.fingerprint.guessable`), so no public file of
    credgate's carries a reversible hash of a weak password."""
    from credgate.fingerprint import guessable

    return guessable(secret)


def _pbkdf2(rule: str, secret: bytes) -> str:
    # The same derivation as Finding.fingerprint() in version 1, so old baselines keep matching.
    salt = b"credgate-fp-v1:" + rule.encode()
    import hashlib  # not at import: loading OpenSSL costs every commit a few ms, and most never get here

    return hashlib.pbkdf2_hmac("sha256", secret, salt, 20_000)[:16].hex()


def place_context(data: bytes, line: int, secret: bytes) -> bytes:
    """What stands before the value on its line (`DB_PASSWORD=`), up to 64 bytes, stripped.

    Not the rest of the line: anything after the value could be another value. Line numbers
    are only a hint for which occurrence to take; they never enter the key.
    """
    lines = data.split(b"\n")
    order = [line - 1] if 0 < line <= len(lines) else []
    for i in order + list(range(len(lines))):
        at = lines[i].find(secret) if secret else -1
        if at != -1:
            return lines[i][:at].strip()[-64:].strip()
    return b""


def value_key(finding: Finding, context: Callable[[], bytes | None]) -> str | None:
    """THE key a baseline stores for a finding's value; None when it cannot be computed.

    `context()` returns the content the finding was read from; it is only called for a
    low-entropy value, whose key is bound to its place instead of its value.
    """
    if not is_low_entropy(finding.secret):
        return "v1:" + _pbkdf2(finding.rule_id, finding.secret)
    data = context()
    if data is None:
        return None  # cannot tell where it sits: it does not match, so it blocks
    where = place_context(data, finding.line, finding.secret)
    import hashlib

    digest = hashlib.sha256(b"credgate-place-v1\0" + finding.rule_id.encode() + b"\0" + where)
    return "p1:" + digest.hexdigest()[:32]
