"""Synthetic, structurally valid credentials, generated on demand.

Rule examples and tests name a shape (`%%github:ghp_%%`, `%%rand:hex:40%%`)
instead of carrying a literal token, so this repository never holds anything
that trips its own hook or a host's push protection. Generation is seeded, so a
rule's examples expand to the same text on every run.
"""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from typing import Callable

from credgate.engine.validate import crc32_base62

ALPHABETS = {
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "digit": "0123456789",
    "alnum": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "alnumlower": "0123456789abcdefghijklmnopqrstuvwxyz",
    "alnumupper": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "base32": "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
    "base64": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "base64url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
}


class TemplateError(ValueError):
    pass


def rand(rng: random.Random, alphabet: str, length: int) -> str:
    chars = ALPHABETS.get(alphabet)
    if chars is None:
        raise TemplateError(f"unknown alphabet {alphabet!r}; known: {', '.join(sorted(ALPHABETS))}")
    while True:
        value = "".join(rng.choice(chars) for _ in range(length))
        # One dominant character would look like a placeholder and be filtered as one.
        if length < 8 or Counter(value).most_common(1)[0][1] < length // 2:
            return value


def checksummed(rng: random.Random, prefix: str, body_length: int = 30) -> str:
    body = rand(rng, "alnum", body_length)
    return prefix + body + crc32_base62(body)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt(rng: random.Random, key: str | None = None) -> str:
    """An HS256 JWT; `%%jwt:KEY%%` signs it with KEY (a documentation key, for the filters' examples)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(
        json.dumps({"sub": rand(rng, "digit", 10), "name": "synthetic", "iat": 1700000000}).encode()
    )
    if key is None:
        return f"{header}.{payload}.{_b64url(rng.randbytes(32))}"
    import hashlib
    import hmac

    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def grafana_key(rng: random.Random) -> str:
    """A legacy Grafana API key: base64 of {"k": key, "n": name, "id": org}, drawn until alphanumeric."""
    while True:
        doc = {"k": rand(rng, "alnum", 32), "n": "synthetic-" + rand(rng, "lower", 6), "id": 1}
        text = base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()
        if text.rstrip("=").isalnum():
            return text


def teamwork(rng: random.Random) -> str:
    """A Teamwork.com token: `tkn.v1_` + base64 of `<uuid>-<user id>.<installation id>.<region>`."""
    uid = "-".join(rand(rng, "hex", n).lower() for n in (8, 4, 4, 4, 12))
    inner = f"{uid}-{rand(rng, 'digit', 6)}.{rand(rng, 'digit', 6)}.{rng.choice(['EU', 'US'])}"
    return "tkn.v1_" + base64.b64encode(inner.encode()).decode()


def pem(rng: random.Random, label: str) -> str:
    content = rng.randbytes(48 * 12 - 4)  # a DER SEQUENCE header, then its declared content
    body = base64.b64encode(b"\x30\x82" + len(content).to_bytes(2, "big") + content).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


def _credfile(rng: random.Random, args: list[str]) -> str:
    from credgate.engine.credfile_synth import credfile

    return credfile(rng, args[0], args[1] if len(args) > 1 else "").decode("latin-1")


def _gen(name: str, args: list[str], rng: random.Random) -> str:
    generators: dict[str, Callable[[], str]] = {
        "rand": lambda: rand(rng, args[0], int(args[1])),
        "github": lambda: checksummed(rng, args[0]),
        "npm": lambda: checksummed(rng, "npm_"),
        "jwt": lambda: jwt(rng, args[0] if args else None),
        "grafana-key": lambda: grafana_key(rng),
        "teamwork": lambda: teamwork(rng),
        "der": lambda: base64.b64encode(bytes([0x30, int(args[0])]) + rng.randbytes(int(args[0]))).decode(),
        "pem": lambda: pem(rng, args[0].replace("_", " ")),
        "aws-key-id": lambda: (args[0] if args else "AKIA") + rand(rng, "base32", 16),
        # A binary file (keystore, DER key), one character a byte: for detector rules' examples.
        "credfile": lambda: _credfile(rng, args),
    }
    if name not in generators:
        raise TemplateError(f"unknown generator {name!r}; known: {', '.join(sorted(generators))}")
    try:
        return generators[name]()
    except (IndexError, ValueError) as exc:
        raise TemplateError(f"bad arguments for %%{name}:{':'.join(args)}%%: {exc}") from None


def expand(template: str, seed: str) -> str:
    """Replace every `%%generator:arg:...%%` in template with generated text.

    `%%` is the marker because `{{ }}`, `${ }` and `<...>` are what references and
    placeholders look like, and rule examples need to show those literally.
    """
    rng = random.Random(seed)
    out: list[str] = []
    pos = 0
    while True:
        start = template.find("%%", pos)
        if start == -1:
            out.append(template[pos:])
            return "".join(out)
        end = template.find("%%", start + 2)
        if end == -1:
            raise TemplateError(f"unclosed '%%' at character {start}")
        out.append(template[pos:start])
        name, *args = template[start + 2 : end].strip().split(":")
        out.append(_gen(name, args, rng))
        pos = end + 2
