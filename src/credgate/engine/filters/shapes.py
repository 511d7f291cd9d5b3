"""Value shapes: literals (booleans, numbers, versions, dates), AWS SigV4 scopes, ids (UUIDs, commit ids)
outside a secret's name, and values that are not token-shaped for `shape = "token"` rules.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.filters.entry import ALL, GENERIC, Candidate, Example, Filter, Scope
from credgate.engine.filters.text import CREDENTIAL_TAIL_RE, WORDS_RE, is_wordy

_lazy = linear.compile


_TYPE_EXPR_RE = _lazy(
    rb"^(?:[A-Za-z_][\w.]*\[[\w\[\], .|]*\]|(?:typing\.)?(?:Optional|List|Dict|Union)\b.*)$"
)
# A primitive type marked nullable or as an array, as schemas write them: `'?string'`, `"string[]"`, `int?`.
_PRIMITIVE_TYPES = rb"(?:string|str|boolean|bool|number|int|integer|long|float|double|object|date|datetime)"
_MARKED_TYPE_RE = _lazy(rb"(?i)^(?:\?%s(?:\[\])?|%s(?:\?|\[\]))$" % (_PRIMITIVE_TYPES, _PRIMITIVE_TYPES))
_LITERAL_RE = _lazy(
    rb"(?i)^(?:true|false|yes|no|on|off|null|none|nil|undefined|[-+]?\d+(?:\.\d+)?|\d[\d.:-]*\d"
    rb"|#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}"
    rb"|[~^<>=]{1,2}\s?\d+(?:\.[\dx*]+)*(?:[-+][\w.]+)?"  # ^8.0.0, ~> 1.2
    rb"|\d{4}-\d\d-\d\dt\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:z|[+-]\d\d:?\d\d)?)$"
)  # booleans, numbers, versions, dates and timestamps, colours (#ddd0c0), dependency ranges


_RANGE_RE = _lazy(rb"^[<>=~^ ]*\d[\w.*]*(?:\s*(?:\|\||[<>=~^ ,-])+\s*\d[\w.*]*)*$")


def is_literal_constant(c: Candidate) -> bool:
    """Booleans, numbers, versions and dependency ranges (`>=3.972.0 <4`), dates, colours."""
    if _TYPE_EXPR_RE.match(c.secret) or _MARKED_TYPE_RE.match(c.secret):
        return True  # `"Optional[str]"`, `"List[V1ObjectReference]"`, `'?string'`: a type annotation
    if c.secret[:4].lower() == b"urn:":
        return True  # `urn:oasis:names:tc:SAML:2.0:assertion`: a name in a registry, public by design
    return _LITERAL_RE.match(c.secret) is not None or (
        c.secret[:1] in b"<>=~^" and _RANGE_RE.match(c.secret) is not None
    )


# AWS Signature Version 4: `Credential=<access key id>/<yyyymmdd>/<region>/<service>/aws4_request` names the
# key and its scope; the secret never appears in the header.
_SIGV4_SCOPE_RE = _lazy(rb"^[A-Z0-9]{4,128}/[0-9]{8}/[a-z0-9-]{1,32}/[a-z0-9-]{1,64}/aws4_request$")


def is_sigv4_scope(c: Candidate) -> bool:
    """`Authorization: AWS4-HMAC-SHA256 Credential=AKIA.../20121226/us-east-1/sqs/aws4_request`."""
    return _SIGV4_SCOPE_RE.match(c.secret.strip(b"\"'")) is not None


_SEPARATORS_RE = _lazy(rb"[-_.:/+=~]+")
_MIXED_PART_RE = _lazy(rb"[A-Za-z]+\d|\d+[A-Za-z]")
_MIN_MIXED_PART = 6  # `s3`, `ec2`, `k8s`, `east1` are words with a digit, not generated text
_SELF_DESCRIBING_RE = _lazy(rb"(?i)secret|password|passwd|token|apikey|api_key|dummy|sample|changeme")
_HEX_RE = _lazy(rb"^[0-9a-fA-F]{16,}$")
_FILE_NAME_RE = _lazy(
    rb"(?i)\.(?:json|pem|key|crt|cer|der|p12|pfx|jks|txt|ya?ml|env|ini|cfg|conf|js|ts|py|rb|go|html?|css|png|jpe?g|war|jar"
    rb"|gif|svg|xml|csv|log|gz|zip|tar|sh|md)$"
)


_VERSION_RE = _lazy(rb"(?i)^v?\d+(?:\.\d+)+(?:[-+.][0-9a-z.-]*)?$")


def is_not_token_shaped(c: Candidate) -> bool:
    """For `shape = "token"` rules: under a `*_key` or `*TOKEN` name, only a generated-looking value counts.

    A generated token mixes letters and digits inside one run (`a1B2...`), or is a
    long hex or digit string. Words joined by dashes (`release-2024-prod`),
    versions and file names are what such keys also hold in ordinary code.
    """
    value = c.secret.strip(b"\"'`")
    # A version string is short; `v1.0-<170 hex>` is a Cloudflare Origin CA key, not release v1.0.
    version = len(value) <= 64 and _VERSION_RE.match(value) is not None
    if _FILE_NAME_RE.search(value) or version or WORDS_RE.match(value) or is_wordy(value):
        return True
    if value[:4].lower() == b"arn:" or _SELF_DESCRIBING_RE.search(value):
        return True  # an AWS resource name; `VERYLONGSECRET...` says what it stands for
    if _HEX_RE.match(value) or (value.isdigit() and len(value) >= 16):
        return False
    return not any(
        len(part) >= _MIN_MIXED_PART and _MIXED_PART_RE.search(part) for part in _SEPARATORS_RE.split(value)
    )


_UUID_RE = _lazy(rb"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STRONG_KEY_RE = _lazy(rb"(?i)secret|passw|api[-_.]?key|private")


_ID_TOKEN_KEY_RE = _lazy(
    rb"(?i)request|change|idempoten|correlation|trace|client[-_]?token|transaction|csrf|xsrf"
)


_CASE_CHANGE_RE = _lazy(rb"[a-z][A-Z]")


def is_uuid_outside_secret_context(c: Candidate) -> bool:
    """`"ClientRequestToken": "<uuid>"`: request and change tokens are ids; a UUID under `api_key` is not.

    Many services issue UUID API keys, so under a name ending in key or token a UUID
    counts, unless the name says it identifies a request.
    """
    if _UUID_RE.match(c.secret) is None:
        return False
    if c.key is None:
        return True
    if _STRONG_KEY_RE.search(c.key):
        return False
    key = c.key.strip(b"\"'")
    if _ID_TOKEN_KEY_RE.search(key) or not key.lower().endswith((b"key", b"token", b"tkn")):
        return True
    # `LifecycleActionToken`: a PascalCase field of an API payload holds an id; `NPM_TOKEN` and a
    # variable such as `jenkinsToken` hold credentials.
    return (
        key.lower().endswith(b"token")
        and key[:1].isupper()
        and _CASE_CHANGE_RE.search(key) is not None
        and b"_" not in key
    )


_COMMIT_ID_RE = _lazy(rb"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def is_commit_id_outside_secret_context(c: Candidate) -> bool:
    """`Support private accessors a86255cb...`, `revision: 3f2a...`: a git commit id (40 or 64 lower-case
    hex) is everywhere in changelogs and lock files. Under a name that ends in a credential word
    (`GITHUB_TOKEN`, `api_key`) the same shape is a classic 40-hex token, so it stays."""
    if _COMMIT_ID_RE.match(c.secret) is None:
        return False
    # With no name, the rule's own context (an Authorization header, a URL) says credential.
    return c.key is not None and CREDENTIAL_TAIL_RE.search(c.key) is None


LITERAL_CONSTANT = Filter(
    name="literal-constant",
    test=is_literal_constant,
    scope=GENERIC,
    summary="A literal of another kind: a boolean, a number, a version or a dependency range "
    "(`>=3.972.0 <4`), a date or a timestamp, a colour (`#ddd0c0`), a type annotation (`Optional[str]`, "
    "`'?string'`) or a URN.",
    positives=(
        Example('password = "2024-01-15"', "settings.ini", "generic-password-assignment"),
        Example('api_secret = "Optional[str]"', "models.py", "generic-password-assignment"),
    ),
    negatives=(Example('password = "%%rand:alnum:14%%"', "settings.ini", "generic-password-assignment"),),
    yields_to=("repeated-or-sequential",),
)

# Subresource Integrity and lock-file digests: `sha512-<base64>` (npm, yarn, pnpm, HTML `integrity=`),
# `h1:<base64>` (go.sum). The base64 of a digest is random, so a provider's prefix turns up inside one
# now and then (`.../YC<38 characters>/...` reads as a Yandex key between two slashes).
_DIGEST_PREFIXES = (b"sha1-", b"sha256-", b"sha384-", b"sha512-", b"h1:")
# The base64 length of each digest, padding included: SHA-1, SHA-256, SHA-384, SHA-512.
_DIGEST_LENGTHS = frozenset({28, 44, 64, 88})
_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def is_integrity_digest(c: Candidate) -> bool:
    """The match sits inside the base64 of an integrity digest (`sha512-...`, go.sum's `h1:...`).

    Not for a token whose checksum the rule verifies (GitHub, npm...): random bytes do not pass one, so
    such a token framed as a digest was put there, and is reported."""
    data, start = c.data, c.offset
    if c.rule.validate or not data or data[start : start + len(c.secret)] != c.secret:
        return False
    left, right = start, start + len(c.secret)
    # Bounded: a digest is at most 88 characters, so looking further proves nothing (linear time).
    while left > 0 and start - left < 90 and data[left - 1] in _B64:
        left -= 1
    while right < len(data) and right - start < 90 + len(c.secret) and data[right] in _B64:
        right += 1
    if right - left not in _DIGEST_LENGTHS:
        return False
    return data[max(0, left - 7) : left].endswith(_DIGEST_PREFIXES)


INTEGRITY_DIGEST = Filter(
    name="integrity-digest",
    test=is_integrity_digest,
    scope=ALL,
    summary='A match inside the base64 of an integrity digest (`"integrity": "sha512-..."` in npm, '
    "yarn and pnpm lock files and HTML, `h1:...` in go.sum): random bytes that spell a token's prefix.",
    positives=(
        Example(
            '    "integrity": "sha512-%%rand:base64:20%%/YC%%rand:alnum:38%%/%%rand:base64:24%%=="',
            "package-lock.json",
            "yandex-cloud-static-key-secret",
        ),
    ),
    negatives=(
        Example(
            '{"service_account_secret": "YC%%rand:alnum:38%%"}', "yc.json", "yandex-cloud-static-key-secret"
        ),
    ),
)


SIGV4_SCOPE = Filter(
    name="sigv4-scope",
    test=is_sigv4_scope,
    scope=GENERIC,
    summary="An AWS Signature Version 4 credential scope (`Credential=<key id>/<date>/<region>/<service>/"
    "aws4_request`): it names the key and its scope; the secret never appears in the header.",
    positives=(
        Example(
            "Authorization: 'AWS4-HMAC-SHA256 Credential=ABCDEF/20121226/us-east-1/sqs/aws4_request, ...'",
            "README.md",
            "generic-password-assignment",
        ),
    ),
    negatives=(
        Example("Credential=%%rand:alnum:19%%%%rand:digit:1%%", "app.ini", "generic-token-assignment"),
    ),
)

NOT_TOKEN_SHAPED = Filter(
    name="not-token-shaped",
    test=is_not_token_shaped,
    scope=Scope(shape="token"),
    summary='For rules with `shape = "token"` (a `*_KEY` or `*TOKEN` name): only a generated-looking value '
    "counts. Words joined by separators (`release-2024-prod`), versions, file names, ARNs and values "
    "that name themselves are what such names also hold in ordinary code.",
    positives=(Example("WEATHER_API_KEY=release-2024-prod", "settings.ini", "generic-token-assignment"),),
    negatives=(Example("WEATHER_API_KEY=%%rand:alnum:32%%", "settings.ini", "generic-token-assignment"),),
    yields_to=("repeated-or-sequential",),
)

_UUID_TEMPLATE = "%%rand:hex:8%%-%%rand:hex:4%%-%%rand:hex:4%%-%%rand:hex:4%%-%%rand:hex:12%%"
UUID_OUTSIDE_SECRET_CONTEXT = Filter(
    name="uuid-outside-secret-context",
    test=is_uuid_outside_secret_context,
    scope=GENERIC,
    summary='A UUID under a name that says it identifies something (`"ClientRequestToken": "<uuid>"`, '
    "`LifecycleActionToken`). Many services issue UUID API keys, so under a name ending in key or "
    "token (`HEROKU_API_KEY`, `npm_token`) a UUID still counts.",
    positives=(
        Example(
            '"ClientRequestToken": "' + _UUID_TEMPLATE + '"',
            "payload.json",
            "generic-token-assignment",
        ),
    ),
    negatives=(
        Example(
            "NPM_TOKEN=" + _UUID_TEMPLATE,
            "ci.env",
            "generic-token-assignment",
        ),
    ),
)

COMMIT_ID_OUTSIDE_SECRET_CONTEXT = Filter(
    name="commit-id-outside-secret-context",
    test=is_commit_id_outside_secret_context,
    scope=GENERIC,
    summary="A git commit id (40 or 64 lower-case hex) in changelogs and lock files. Under a name that ends "
    "in a credential word (`GITHUB_TOKEN`, `api_key`) the same shape is a classic 40-hex token, so it stays.",
    positives=(
        Example(
            "  - Feature: Support Private accessors %%rand:hex:40%%",
            "CHANGELOG.md",
            "generic-token-assignment",
        ),
    ),
    negatives=(Example("GITHUB_TOKEN=%%rand:hex:40%%", "ci.env", "generic-token-assignment"),),
)
