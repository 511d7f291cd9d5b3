"""Published values: documentation's example keys, sample-signed tokens, reserved hosts, sample logins,
badge tokens. Their owners print them for everyone; they open nothing.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.filters.entry import ALL, Candidate, Example, Filter

_lazy = linear.compile


# Values their owners publish as examples or fixed development keys: base64 of RFC 7617's
# "Aladdin:open sesame" and RFC 6749's client "s6BhdRkqt3:gX1fBat3bV", and the Azure Storage
# emulator's documented account key (Azurite, devstoreaccount1), and the OAuth RFCs' example tokens.
_PUBLISHED_VALUES = (
    b"QWxhZGRpbjpvcGVuIHNlc2FtZQ",
    b"YWxhZGRpbjpvcGVuc2VzYW1l",  # the same, as `aladdin:opensesame`
    b"czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uS",
    b"2YotnFZFEjr1zCsicMWpAA",  # RFC 6749's example access token
    b"tGzv3JOkF0XG5Qx2TlKWIA",  # RFC 6749's example refresh token
    b"0685bd9184jfhq22",  # RFC 5849's example consumer key
    b"ad180jjd733klru7",  # RFC 5849's example token
    # RFC 5849 sections 1.2 and 3.1 (consumer keys, secrets, temporary and token credentials, verifier)
    b"dpf43f3p2l4k3l03", b"kd94hf93k423kf44", b"hh5s93j4hdidpola", b"hdk48Djdsa", b"hfdp7dh39dks9884",
    b"nnch734d00sl2jdk", b"pfkkdhi9sl3r4s00", b"9djdj82h48djs9d2", b"kkk9d7dh3k39sjv7",
    b"A3ddj3w",  # RFC 6749 section 4.3.2's resource owner password
    b"mF_9.B5f-4.1JqM",  # RFC 6750's example bearer token
    # MinIO's public playground (play.min.io), whose keys its SDK docs print: the access key, and the
    # secret key's first half (a prefix is enough to recognise it, and this file never holds it whole).
    b"Q3AM3UQ867SPQQA43P2F", b"zuf+tfteSlswRu7BJ86w",
    b"123456:ABC-DEF1234ghIkl",  # the Telegram Bot API documentation's example token
)  # fmt: skip
# Published hex constants, compared in lower case: the AES keys of FIPS-197 appendix A and NIST SP 800-38A's
# examples (also RFC 4493's CMAC key), which cipher code everywhere checks itself against, and the NT and LM
# hashes of the empty password, which Windows tools print for "no password".
_PUBLISHED_HEX = frozenset(
    (
        b"2b7e151628aed2a6abf7158809cf4f3c",
        b"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        b"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        b"31d6cfe0d16ae931b73c59d7e0c089c0",
        b"aad3b435b51404eeaad3b435b51404ee",
    )
)
_JWT_RE = _lazy(rb"eyJ[A-Za-z0-9_-]{8,}\.(eyJ[A-Za-z0-9_-]{8,})")


def is_vendor_example(c: Candidate) -> bool:
    """Documentation keys, such as AWS's AKIAIOSFODNN7EXAMPLE, carry the word in capitals.

    A JWT carries it inside its payload (`"sts:audit_context":"EXAMPLE..."`), and the
    token on jwt.io's front page (`"name":"John Doe"`) is in countless tutorials.
    """
    if b"EXAMPLE" in c.secret or c.secret.startswith(_PUBLISHED_VALUES):
        return True
    if len(c.secret) in (32, 48, 64) and c.secret.lower() in _PUBLISHED_HEX:
        return True
    m = _JWT_RE.search(c.secret)
    if m is None:
        return False
    import base64
    import binascii

    body = m.group(1)
    try:
        payload = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return False
    return b"EXAMPLE" in payload or (b'"John Doe"' in payload and b'"1234567890"' in payload)


# HMAC keys that documentation signs its sample tokens with: pyjwt's and python-jose's READMEs ("secret"),
# jwt.io's debugger ("your-256-bit-secret" and its 384/512 siblings), node-jsonwebtoken ("shhhhh") and
# express-jwt ("shhhhhared-secret"), plus the obvious variants.
_SAMPLE_JWT_KEYS = tuple(
    b"secret your-256-bit-secret your-384-bit-secret your-512-bit-secret shhhhh shhhhhared-secret key"
    b" secretkey secret-key secret_key mysecret my-secret my_secret changeme".split()
)
_HMAC_ALGS = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def is_sample_signed_jwt(c: Candidate) -> bool:
    """`eyJhbGciOiJIUzI1NiIs...` whose HMAC signature checks out under the key "secret": a README's token.

    A notice, not silence: an application that really signs with such a key hands out forgeable tokens."""
    parts = c.secret.split(b".")
    if len(parts) != 3 or not parts[0].startswith(b"eyJ"):
        return False
    import base64
    import binascii
    import hashlib
    import hmac
    import json

    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + b"=" * (-len(parts[0]) % 4)))
        signature = base64.urlsafe_b64decode(parts[2] + b"=" * (-len(parts[2]) % 4))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    alg = header.get("alg") if isinstance(header, dict) else None
    digest = _HMAC_ALGS.get(alg) if isinstance(alg, str) else None
    if digest is None:
        return False
    signed = parts[0] + b"." + parts[1]
    return any(
        hmac.compare_digest(hmac.new(key, signed, getattr(hashlib, digest)).digest(), signature)
        for key in _SAMPLE_JWT_KEYS
    )


_HOST_RE = _lazy(rb"[A-Za-z0-9.-]{1,253}")
# RFC 2606 / RFC 6761 names reserved for documentation and tests: nothing real lives there.
_RESERVED_HOSTS = (b"example.com", b"example.net", b"example.org")
_RESERVED_SUFFIXES = (b".example", b".test", b".invalid", b".example.com", b".example.net", b".example.org")


def _reserved(host: bytes) -> bool:
    host = host.lower().rstrip(b".")
    return host in _RESERVED_HOSTS or host.endswith(_RESERVED_SUFFIXES)


_URL_RE = _lazy(rb"[a-z][a-z0-9+.-]*://(?:[^/\s@\"']*@)?([A-Za-z0-9.-]+)[^\s\"'<>]*")


def is_reserved_example_host(c: Candidate) -> bool:
    """`https://abc:xyz@example.com`, `https://example.com/p?access_token=...`: a URL to a host reserved
    for examples carries example credentials."""
    at = c.line.find(c.secret + b"@")
    if at != -1:
        m = _HOST_RE.match(c.line, at + len(c.secret) + 1)
        if m and _reserved(m.group(0)):
            return True
    return any(c.secret in url.group(0) and _reserved(url.group(1)) for url in _URL_RE.finditer(c.line))


_SAMPLE_USERINFO = frozenset(
    (user, password)
    for user, password in (
        (b"scott", b"tiger"), (b"user", b"pass"), (b"user", b"password"), (b"username", b"password"),
        (b"admin", b"admin"), (b"root", b"root"), (b"guest", b"guest"), (b"foo", b"bar"),
        (b"user", b"secret"), (b"login", b"password"), (b"myuser", b"mypassword"), (b"dbuser", b"dbpass"),
    )
)  # fmt: skip


def is_sample_userinfo(c: Candidate) -> bool:
    """`postgresql://scott:tiger@...`, `postgres:postgres@`: a documented sample login, or a password that
    only repeats the user name, as database images' defaults and tutorials do."""
    at = c.line.find(b":" + c.secret + b"@")
    if at == -1:
        return False
    start = c.line.rfind(b"//", 0, at)
    if start == -1:
        return False
    user = c.line[start + 2 : at].lower()
    password = c.secret.lower()
    if user == password or (user, password) in _SAMPLE_USERINFO:
        return True
    if (user.rstrip(b"0123456789"), password.rstrip(b"0123456789")) in _SAMPLE_USERINFO:
        return True  # `user1:pass1@`: the sample pair numbered, as a test's second login
    # `scott:tiger^5HHH`: the sample login with a suffix that the example's prose explains
    return any(
        user == u
        and password.startswith(p)
        and not password[len(p) : len(p) + 1].isalnum()
        and len(password) > len(p)
        for u, p in _SAMPLE_USERINFO
    )


_BADGE_URL_HEAD_RE = _lazy(
    rb"(?:badge[^\s\"'<>()]*\.svg|(?i:\.(?:png|jpe?g|gif|svg|webp|avif|ico)))\?(?:[^\s\"'<>()]*&)?$"
)


def is_badge_token(c: Candidate) -> bool:
    """`badge.svg?token=...`: Codecov's graph token only draws a coverage badge and is meant for READMEs.

    Likewise the token of any image's URL (`logo.webp?alt=media&token=...`): every reader's browser fetches
    it, so it was published with the page."""
    if c.line.find(b"badge.svg?token=" + c.secret) != -1 or c.line.find(b"/graph/badge") != -1:
        return True
    # Any badge service's or image's URL: `https://badges.example.com/js/rating/x.svg?token=...`
    at = c.line.find(b"token=" + c.secret)
    while at != -1:
        if _BADGE_URL_HEAD_RE.search(c.line[max(0, at - 200) : at]):
            return True
        at = c.line.find(b"token=" + c.secret, at + 1)
    return False


VENDOR_EXAMPLE = Filter(
    name="vendor-example",
    test=is_vendor_example,
    scope=ALL,
    summary="A key its vendor publishes as an example: `EXAMPLE` in capitals (AWS's `AKIAIOSFODNN7EXAMPLE`), "
    "the RFCs' and SDK docs' sample values, the NIST/FIPS test-vector keys, and jwt.io's sample token.",
    positives=(
        Example("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "deploy/credentials", "aws-access-key-id"),
        Example(
            "TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
            "bot.env",
            "generic-password-assignment",
        ),
    ),
    negatives=(
        Example("aws_access_key_id = %%aws-key-id:AKIA%%", "deploy/credentials", "aws-access-key-id"),
    ),
)

SAMPLE_SIGNED_JWT = Filter(
    name="sample-signed-jwt",
    test=is_sample_signed_jwt,
    scope=ALL,
    verdict="notice",
    notice="a JWT signed with a sample key from documentation: a sample, or forgeable if real",
    summary="A JWT whose HMAC signature checks out under a key from documentation (`secret`, "
    "`your-256-bit-secret`, `shhhhh`...): a README's token, or a forgeable one if an application "
    "really signs with that key, so it is shown as a notice.",
    positives=(Example("Authorization: Bearer %%jwt:secret%%", "docs/api.md", "jwt"),),
    negatives=(Example("Authorization: Bearer %%jwt%%", "docs/api.md", "jwt"),),
)

RESERVED_EXAMPLE_HOST = Filter(
    name="reserved-example-host",
    test=is_reserved_example_host,
    scope=ALL,
    summary="A credential in a URL to a host reserved for documentation (RFC 2606 and 6761: "
    "`example.com`, `*.example`, `*.test`, `*.invalid`).",
    positives=(
        Example(
            "DATABASE_URL=postgres://app:%%rand:alnum:16%%@db.example.com/app",
            "deploy.env",
            "database-url-password",
        ),
    ),
    negatives=(
        Example(
            "DATABASE_URL=postgres://app:%%rand:alnum:16%%@db.internal/app",
            "deploy.env",
            "database-url-password",
        ),
    ),
)

SAMPLE_USERINFO = Filter(
    name="sample-userinfo",
    test=is_sample_userinfo,
    scope=ALL,
    summary="A documented sample login in a URL (`scott:tiger`, `user:pass`, `admin:admin`), maybe numbered "
    "(`user1:pass1`), or a password that repeats the user name (`postgres:postgres`).",
    positives=(
        Example(
            "DATABASE_URL=postgresql://scott:tiger@db.internal/app", "deploy.env", "database-url-password"
        ),
        Example(
            "DATABASE_URL=postgresql://postgres:postgres@db:5432/app", "deploy.env", "database-url-password"
        ),
    ),
    negatives=(
        Example(
            "DATABASE_URL=postgresql://scott:%%rand:alnum:16%%@db.internal/app",
            "deploy.env",
            "database-url-password",
        ),
    ),
    yields_to=("weak-password",),
)

BADGE_TOKEN = Filter(
    name="badge-token",
    test=is_badge_token,
    scope=ALL,
    summary="The token of a badge's or an image's URL (`badge.svg?token=`, Codecov's graph token, "
    "`logo.webp?alt=media&token=`): every reader's browser fetches it, so it was published with the page.",
    positives=(
        Example(
            "[![codecov](https://codecov.io/gh/acme/app/graph/badge.svg?token=%%rand:alnum:10%%)]"
            "(https://codecov.io/gh/acme/app)",
            "README.md",
            "generic-password-assignment",
        ),
    ),
    negatives=(
        Example(
            "curl https://api.acme.io/v1/orders?token=%%rand:alnum:32%%",
            "deploy.sh",
            "generic-token-assignment",
        ),
    ),
)
