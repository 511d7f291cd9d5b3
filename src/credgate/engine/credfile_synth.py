"""Synthetic credential files for the detector rules' examples (`%%credfile:KIND%%` in synth.py).

Each is the structure a detector reads (DER private keys, PKCS#12, Java keystores, KeePass), filled
with seeded random bytes: nothing here is a usable key, and the rule files hold only the template
name. `%%credfile:KIND:truncated%%` drops the last byte (a structure that no longer fills its file).
"""

from __future__ import annotations

import random
from typing import Callable


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _len(len(body)) + body


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _int(value: int | bytes) -> bytes:
    if isinstance(value, int):
        body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    else:
        body = b"\0" + value if value[:1] >= b"\x80" else value
    return _tlv(0x02, body)


def _oid(dotted: str) -> bytes:
    nums = [int(x) for x in dotted.split(".")]
    out = bytearray([40 * nums[0] + nums[1]])
    for n in nums[2:]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


_NULL = b"\x05\x00"


def _pkcs1(rng: random.Random) -> bytes:
    sizes = (256, 3, 256, 128, 128, 128, 128, 128)  # n, e, d, p, q, dp, dq, qinv
    return _seq(_int(0), *(_int(rng.randbytes(n)) for n in sizes))


def _pkcs8(rng: random.Random) -> bytes:
    return _seq(_int(0), _seq(_oid("1.2.840.113549.1.1.1"), _NULL), _tlv(0x04, _pkcs1(rng)))


def _ed25519(rng: random.Random) -> bytes:
    return _seq(_int(0), _seq(_oid("1.3.101.112")), _tlv(0x04, _tlv(0x04, rng.randbytes(32))))


def _sec1(rng: random.Random) -> bytes:
    return _seq(
        _int(1),
        _tlv(0x04, rng.randbytes(32)),
        _tlv(0xA0, _oid("1.2.840.10045.3.1.7")),
        _tlv(0xA1, _tlv(0x03, b"\0\x04" + rng.randbytes(64))),
    )


def _dsa(rng: random.Random) -> bytes:
    return _seq(_int(0), *(_int(rng.randbytes(n)) for n in (128, 20, 128, 128, 20)))


def _encrypted(rng: random.Random) -> bytes:
    kdf = _seq(_oid("1.2.840.113549.1.5.12"), _seq(_tlv(0x04, rng.randbytes(8)), _int(2048)))
    cipher = _seq(_oid("2.16.840.1.101.3.4.1.42"), _tlv(0x04, rng.randbytes(16)))
    return _seq(_seq(_oid("1.2.840.113549.1.5.13"), _seq(kdf, cipher)), _tlv(0x04, rng.randbytes(1232)))


def _certificate(rng: random.Random) -> bytes:
    """The shape of an X.509 certificate: public, and no detector's business."""
    alg = _seq(_oid("1.2.840.113549.1.1.11"), _NULL)
    name = _seq(_tlv(0x31, _seq(_oid("2.5.4.3"), _tlv(0x0C, b"synthetic"))))
    validity = _seq(_tlv(0x17, b"240101000000Z"), _tlv(0x17, b"340101000000Z"))
    spki = _seq(_seq(_oid("1.2.840.113549.1.1.1"), _NULL), _tlv(0x03, b"\0" + rng.randbytes(270)))
    tbs = _seq(_tlv(0xA0, _int(2)), _int(rng.randbytes(16)), alg, name, validity, name, spki)
    return _seq(tbs, alg, _tlv(0x03, b"\0" + rng.randbytes(256)))


def _pkcs12(rng: random.Random) -> bytes:
    auth_safe = _seq(_oid("1.2.840.113549.1.7.1"), _tlv(0xA0, _tlv(0x04, rng.randbytes(900))))
    mac = _seq(_seq(_seq(_oid("2.16.840.1.101.3.4.2.1"), _NULL), _tlv(0x04, rng.randbytes(32))),
               _tlv(0x04, rng.randbytes(8)), _int(2048))  # fmt: skip
    return _seq(_int(3), auth_safe, mac)


def _java(magic: bytes) -> Callable[[random.Random], bytes]:
    def make(rng: random.Random) -> bytes:
        alias = b"release"
        entry = b"\0\0\0\x01" + len(alias).to_bytes(2, "big") + alias + rng.randbytes(8)
        return magic + b"\0\0\0\x02" + b"\0\0\0\x01" + entry + rng.randbytes(1200) + rng.randbytes(20)

    return make


def _keepass(rng: random.Random) -> bytes:
    return b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5" + b"\x01\x00\x04\x00" + rng.randbytes(2000)


def _random_der(rng: random.Random) -> bytes:
    """A DER SEQUENCE header over noise: a file that only starts like a key."""
    body = rng.randbytes(600)
    return b"\x30\x82" + len(body).to_bytes(2, "big") + body


KINDS: dict[str, Callable[[random.Random], bytes]] = {
    "der-rsa": _pkcs1,
    "der-pkcs8": _pkcs8,
    "der-ed25519": _ed25519,
    "der-ec": _sec1,
    "der-dsa": _dsa,
    "der-encrypted": _encrypted,
    "der-certificate": _certificate,
    "der-noise": _random_der,
    "pkcs12": _pkcs12,
    "jks": _java(b"\xfe\xed\xfe\xed"),
    "jceks": _java(b"\xce\xce\xce\xce"),
    "kdbx": _keepass,
}


def credfile(rng: random.Random, kind: str, variant: str = "") -> bytes:
    """The bytes of a synthetic credential file of this kind (see KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"unknown credfile kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    data = KINDS[kind](rng)
    if variant == "truncated":
        return data[:-1]
    if variant:
        raise ValueError(f"unknown credfile variant {variant!r}; known: truncated")
    return data
