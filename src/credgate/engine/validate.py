"""Offline structural validation: turn a regex hit into a confirmed one, or reject it.

A validator answers True (the structure checks out: report with high
confidence), False (it cannot be a real token: a typo, a truncated paste, a
made-up example; not reported) or None (nothing to check). Nothing here talks to
the network: a checksum or a parse is all the proof available offline.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from credgate.engine import linear

TYPE_CHECKING = False  # typing itself is not imported at run time (a blocked commit loads this module)
if TYPE_CHECKING:
    from typing import Callable, Optional

    Validator = Callable[[bytes], Optional[bool]]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_base62(body: str) -> str:
    """GitHub's and npm's token checksum: CRC32 of the random part, base62, 6 wide."""
    return base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def github_crc32(secret: bytes) -> bool | None:
    """GitHub's `gh?_` tokens: 30 random base62 characters, then their CRC32 in base62 (6 wide)."""
    try:
        text = secret.decode("ascii")
    except UnicodeDecodeError:
        return False
    _, sep, body = text.partition("_")
    if not sep or len(body) != 36:
        return None
    return crc32_base62(body[:30]) == body[30:]


def npm_crc32(secret: bytes) -> bool | None:
    """npm's `npm_` tokens carry the same CRC32/base62 checksum as GitHub's."""
    return github_crc32(secret)


def _b64url_json(part: bytes) -> object:
    padded = part + b"=" * (-len(part) % 4)
    import json  # JWTs only

    return json.loads(base64.urlsafe_b64decode(padded))


def jwt_structure(secret: bytes) -> bool | None:
    """A JWT's header and payload are base64url JSON objects, the header naming an `alg`."""
    parts = secret.split(b".")
    if len(parts) != 3:
        return False
    try:
        header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


def pypi_macaroon(secret: bytes) -> bool | None:
    """PyPI tokens are `pypi-` + a base64url macaroon whose location is pypi.org / test.pypi.org."""
    body = secret.split(b"-", 1)[-1][:64]  # the location sits in the first bytes; the tail may be cut
    try:
        raw = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
    except (ValueError, binascii.Error):
        return False
    return b"pypi.org" in raw[:64]


def grafana_key(secret: bytes) -> bool | None:
    """Grafana's legacy API keys are base64 of `{"k": key, "n": key name, "id": org id}`.

    Other base64 JSON that opens with `{"k":` (a Power BI report link's `r=`) lacks the name.
    """
    try:
        import json  # service-account documents only

        doc = json.loads(base64.b64decode(secret + b"=" * (-len(secret) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("k"), str) and "n" in doc and "id" in doc


_TEAMWORK_INNER_RE = linear.compile(
    rb"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9]{1,12}\.[0-9]{1,12}\.[A-Z]{2,4}$"
)


def teamwork_token(secret: bytes) -> bool | None:
    """A Teamwork.com token is `tkn.v1_` + base64 of `<uuid>-<user id>.<installation id>.<region>`."""
    body = secret[len(b"tkn.v1_") :]
    try:
        inner = base64.b64decode(body + b"=" * (-len(body) % 4), validate=True)
    except (ValueError, binascii.Error):
        return False
    return _TEAMWORK_INNER_RE.match(inner) is not None


_CONCAT_RE = linear.compile(rb"^[ \t]*[+&.]?[ \t]*[\"']|[\"'][ \t]*[+&.]?[ \t]*[,;]?[ \t]*$")


def pem_der(secret: bytes) -> bool | None:
    """A PEM private key's body is base64 DER: a SEQUENCE whose declared length the body must hold.

    Documentation shows keys cut short (`MIIEpQIBAAKCAQEAuyf... -----END`): the DER header
    then promises far more bytes than follow. A legacy encrypted key (`Proc-Type: 4,ENCRYPTED`)
    has a ciphertext body, which has no structure to check.
    """
    if b"Proc-Type:" in secret or b"DEK-Info:" in secret:
        return None
    text = secret.replace(b"\\n", b"\n").replace(b"\\r", b"\n")
    lines = text.split(b"\n")[1:-1] if b"\n" in text else text.split(b"-----")[2:3]
    # A key pasted into source as concatenated string literals: `"MIIE..." +` (Java, JS), `.` (PHP), `&` (VB).
    lines = [_CONCAT_RE.sub(b"", line) for line in lines]
    body = b"".join(line.strip(b" \t\r\"',") for line in lines if b":" not in line)
    try:
        raw = base64.b64decode(body + b"=" * (-len(body) % 4), validate=True)
    except (ValueError, binascii.Error):
        return False  # `...` or prose inside the block: an elided example
    if raw.startswith(b"openssh-key-v1\0"):
        return len(raw) > 100  # OpenSSH's own format (sometimes under an RSA label): magic, then the key
    if len(raw) < 2 or raw[0] != 0x30:
        return False
    if raw[1] < 0x80:
        declared, header = raw[1], 2
    else:
        width = raw[1] & 0x7F
        if not 1 <= width <= 4 or len(raw) < 2 + width:
            return False
        declared, header = int.from_bytes(raw[2 : 2 + width], "big"), 2 + width
    return header + declared <= len(raw)


VALIDATORS: dict[str, Validator] = {
    "pem-der": pem_der,
    "grafana-key": grafana_key,
    "github-crc32": github_crc32,
    "npm-crc32": npm_crc32,
    "jwt": jwt_structure,
    "pypi-macaroon": pypi_macaroon,
    "teamwork-token": teamwork_token,
}
