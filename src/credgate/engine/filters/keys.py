"""Key names: what the name a value is assigned to says about it (`password_file`, `nextPageToken`,
`publicKey`, `TEST_TOKEN`), including a value that only repeats its name.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.filters.entry import GENERIC, Candidate, Example, Filter
from credgate.engine.filters.text import (
    CREDENTIAL_TAIL_RE,
    MEMBER_SPLIT_RE,
    PASSWORDISH_KEY_RE,
    has_word,
    is_wordy,
)

_lazy = linear.compile


_TOKENISH_KEY_RE = _lazy(rb"(?i)token|key|secret|auth|credential")


# A word boundary before the name, so `omnisend_token` is not an `end_token`.
_PAGINATION_WORDS = (
    b"input output page next prev previous continuation sync cursor resume pagination start end".split()
)
_PAGINATION_KEY_RE = _lazy(
    rb"(?:^|[^A-Za-z])(?i:%s)[-_.]?(?i:token)" % b"|".join(_PAGINATION_WORDS)
    # or glued after a lower-case letter as the next camelCase word: `nextPageToken`, `syncToken`
    + rb"|[a-z](?:%s)[-_.]?(?i:token)"
    % b"|".join(w[:1].upper() + b"(?i:" + w[1:] + b")" for w in _PAGINATION_WORDS)
)
_NON_SECRET_KEY_RE = _lazy(
    rb"(?i)(?:file|path|dir|url|uri|endpoint|name|type|length|len|size|count|max|min|ttl|expir\w*|timeout"
    rb"|header|field|param|prefix|suffix|format|policy|regex|pattern|mode|enabled|required|label|hint"
    rb"|description|message|id|ref|arn|version|location|store|provider|manager|strategy|validator|reset|hash"
    rb"|usage|status|state|kind|method|scheme|scope|level|flow|grant|env|var|variable|policy"
    rb"|date|time|timestamp|lastused|last_used|created|updated|expires?|fingerprint|thumbprint|checksum|digest|sha\d*|md5|crc\d*"
    rb"|integrity|etag|nonce|csrf[-_]?token|xsrf[-_]?token|host|placeholder|example|sample|mock|dummy|fake"
    rb"|profile|namespace|schema)"
    rb"s?\d*(?:[-_.]?v\d+(?:[-_.]\d+)*)?[\"']?$"  # `SAML_TOKEN_TYPE_V1`, `TOKEN_PROFILE_V1_1`
)


_SENSITIVE_RE = _lazy(rb"(?i)pass|pwd|secret|token|credential|auth|api.?key|private.?key|access.?key|^key$")


def _starts_a_word(key: bytes, at: int) -> bool:
    """Whether a short name suffix begins a word of the key: `CLIENT_ID`, `clientId`, but not `SENDGRID`.
    (Longer suffixes count glued as well: `HOSTNAME`, `KEYSTORE`.)

    Glued to a credential word it still counts (`KEYID`, `tokentype`): such keys were named by a human
    who meant the id, while a bare run of capitals (`SENDGRID`, `MAILCHIMP`) is a provider's name."""
    if at == 0 or not key[at - 1 : at].isalpha():
        return True
    if key[at - 1 : at].islower() and key[at : at + 1].isupper():
        return True
    return _TOKENISH_KEY_RE.search(key[:at]) is not None


def is_non_secret_key(c: Candidate) -> bool:
    """`password_file`, `token_url`, `Token.Keyword`: the key says the value is not the secret.

    In an attribute path only the last part names what is assigned: `Token.String`
    is a string style, `db.password` a password.
    """
    if c.key is None:
        return False
    m = _NON_SECRET_KEY_RE.search(c.key)
    if (m and (m.end() - m.start() >= 4 or _starts_a_word(c.key, m.start()))) or _PAGINATION_KEY_RE.search(
        c.key
    ):
        return True
    last = MEMBER_SPLIT_RE.split(c.key.strip(b"\"'"))[-1]
    return last != c.key.strip(b"\"'") and not _SENSITIVE_RE.search(last)


_FIXTURE_KEY_RE = _lazy(
    rb"(?i)(?:^|[^a-z])(?:test|mock|fake|dummy|example|sample|stub)(?:[^a-z]|$)|(?:^|[-_.])(?:Test|Mock|Fake)[A-Z_]"
    rb"|^(?:invalid|missing|wrong|bad|expired|empty|err|error|no)[-_]"
)


def is_fixture_or_error_key(c: Candidate) -> bool:
    """`TEST_BASIC_TOKEN`, `mock_api_key`, `INVALID_PASSWORD = '28P01'`: a fixture or an error-code name."""
    return c.key is not None and _FIXTURE_KEY_RE.search(c.key.strip(b"\"'")) is not None


_NAMESPACE_RE = _lazy(rb"^[a-z]{2,12}:[a-z]")
_CAMEL_IDENTIFIER_RE = _lazy(rb"^[A-Za-z][a-z]+(?:[A-Z][a-z]+)+$")
_ENV_NAME_RE = _lazy(
    rb"^_*[A-Z][A-Z0-9]*(?:_+[A-Z0-9]+)+_*$"
)  # AWS_SHARED_CREDENTIALS_FILE: a variable's name


_WORDS_OF_RE = _lazy(rb"[a-z]{2,}")
_NOT_ALNUM_RE = _lazy(rb"[^a-z0-9]")


def is_key_echo(c: Candidate) -> bool:
    """`"secrets": "secrets"`, `PASSWORD=password`, `"output_token": "NextPageToken"`.

    The value only repeats a name, or is itself a CamelCase identifier.
    """
    if c.key is None:
        return False
    bare = c.secret.lstrip(b"?#@:$!")
    namespace = _NAMESPACE_RE.match(bare)
    if namespace is not None:
        bare = bare[namespace.end() - 1 :]  # `msal:acquireTokenStart`: an event name
    if _CAMEL_IDENTIFIER_RE.match(bare) or _ENV_NAME_RE.match(bare):
        return True
    if bare.isalpha() and sum(ch < 97 for ch in bare) >= 2 and not bare.isupper() and is_wordy(bare):
        return True  # `?InterpolationInJSX`: a name made of words
    squash = _NOT_ALNUM_RE
    value = squash.sub(b"", c.secret.lower())
    key = squash.sub(b"", c.key.lower())
    # Either contains the other: "secrets": "secrets", "client_secret": "provider-app-client-secret".
    if not value or not key:
        return False
    if value in key or (len(key) >= 6 and key in value):
        return True
    # `TOKEN_COLON_HARDWARE = "token:hardware"`: every word of the value is a word of its name.
    words = _WORDS_OF_RE.findall(c.secret.lower())
    if len(words) >= 2 and set(words) <= set(_WORDS_OF_RE.findall(c.key.lower())):
        return True
    # A short key such as `key` turns up by chance inside a random value; as a word of its own it is an echo.
    return has_word(c.secret.lower(), key)


_NOT_SECRET_KEY_WORDS_RE = _lazy(
    rb"(?i)(?:pub|site|primary|foreign|sort|partition|cache|idempotency|dedup|lookup|row|result"
    rb"|index|map|hot|short[-_]?cut|author)[-_.]?(?:key|token)s?\d*$"
    rb"|public|publishable|publish[-_]?key|subscribe[-_]?key|hashed[-_]?(?:secret|password|token)|(?:monkey|turkey|donkey|whiskey|hockey|jockey)s?$"
)


_KEY_MATERIAL_RE = _lazy(rb"(?i)gpg|pgp|vapid|websocket")
_PRIVATE_WORD_RE = _lazy(rb"(?i)priv|secret|pass")


def is_public_or_structural_key(c: Candidate) -> bool:
    """`publicKey`, `site_key`, `primary_key`, `cache_key`: a key that says its value is not a secret.

    Public keys, reCAPTCHA site keys and Stripe publishable keys are meant to be seen;
    database and cache keys name rows.
    """
    if c.key is None:
        return False
    key = c.key.strip(b"\"'")
    if key[:1] == b"@" or b"/" in key:
        return True  # `"@aws-sdk/credential-provider-node": ...`: a package or a path, not a name
    named = key + b" " + c.line[max(0, c.line.find(key) - 8) : c.line.find(key) + 1]  # `GPG key:` in prose
    if _KEY_MATERIAL_RE.search(named) and not _PRIVATE_WORD_RE.search(named):
        return True  # `GPG key: <fingerprint>`, `VAPID_KEY`: public key material unless it says private
    return _NOT_SECRET_KEY_WORDS_RE.search(key) is not None


_MIN_TOKEN_LENGTH = 12


# In a dotenv file a short value counts only under a credential name.
_DOTENV_RULES = frozenset({"env-file-generated-value"})


def is_too_short_for_a_token(c: Candidate) -> bool:
    """`'refresh_token': 'newtoken123'`, `apiKey: '12345-abcde'`: issued tokens are longer than that.

    Passwords can be short, so a name that says password keeps its short value.
    """
    if c.key is None:
        return False
    if c.rule.id in _DOTENV_RULES and len(c.secret.strip(b"\"'")) < 16:
        # In a dotenv file a short value counts only under a credential name (`UCLASSIFY_KEY=...`).
        return CREDENTIAL_TAIL_RE.search(c.key) is None
    if PASSWORDISH_KEY_RE.search(c.key) or not _TOKENISH_KEY_RE.search(c.key):
        return False
    return len(c.secret.strip(b"\"'")) < _MIN_TOKEN_LENGTH


NON_SECRET_KEY = Filter(
    name="non-secret-key",
    test=is_non_secret_key,
    scope=GENERIC,
    summary="The name says the value is not the secret: `password_file`, `token_url`, `password_hint`, "
    "`token_type`, `nextPageToken` and other pagination tokens. In an attribute path only the last part "
    "names what is assigned: `Token.String` is a style, `db.password` a password.",
    positives=(
        Example('password_hint = "Zq8vPf3kLm2N"', "config.ini", "generic-password-assignment"),
        Example('nextPageToken: "%%rand:alnum:32%%"', "page.yml", "generic-token-assignment"),
    ),
    negatives=(Example('db_password = "%%rand:alnum:14%%"', "config.ini", "generic-password-assignment"),),
)

FIXTURE_OR_ERROR_KEY = Filter(
    name="fixture-or-error-key",
    test=is_fixture_or_error_key,
    scope=GENERIC,
    summary="A fixture's or an error code's name: `TEST_BASIC_TOKEN`, `mock_api_key`, "
    "`INVALID_PASSWORD = '28P01'`.",
    positives=(Example('TEST_API_TOKEN = "Zq8vPf3kLm2NxB7"', "config.ini", "generic-password-assignment"),),
    negatives=(Example('PROD_API_TOKEN = "%%rand:alnum:24%%"', "config.ini", "generic-token-assignment"),),
)

KEY_ECHO = Filter(
    name="key-echo",
    test=is_key_echo,
    scope=GENERIC,
    summary='The value only repeats its name (`"secrets": "secrets"`, '
    '`TOKEN_COLON_HARDWARE = "token:hardware"`) or is itself an identifier: a CamelCase name, '
    "an environment variable's name, an event name.",
    positives=(
        Example('secret_key = "SessionCookieName"', "config.ini", "generic-token-assignment"),
        Example('TOKEN_COLON_HARDWARE = "token:hardware"', "config.ini", "generic-password-assignment"),
    ),
    negatives=(Example('secret_key = "%%rand:alnum:32%%"', "config.ini", "generic-token-assignment"),),
)

PUBLIC_OR_STRUCTURAL_KEY = Filter(
    name="public-or-structural-key",
    test=is_public_or_structural_key,
    scope=GENERIC,
    summary="A key whose name says its value is not a secret: public and publishable keys, reCAPTCHA site "
    "keys, GPG and VAPID key material (unless it says private), database and cache keys (`primary_key`, "
    "`cache_key`), package names.",
    positives=(Example('publicKey: "%%rand:alnum:40%%"', "config.yml", "generic-token-assignment"),),
    negatives=(Example('privateKey: "%%rand:alnum:40%%"', "config.yml", "generic-token-assignment"),),
)

TOO_SHORT_FOR_A_TOKEN = Filter(
    name="too-short-for-a-token",
    test=is_too_short_for_a_token,
    scope=GENERIC,
    summary="Under a token's or key's name, a value shorter than 12 characters (`'refresh_token': "
    "'newtoken123'`): issued tokens are longer. Passwords can be short, so a password's name keeps its "
    "value; in a dotenv file a short value counts only under a credential name.",
    positives=(Example('api_token = "a8Kd0q2"', "config.ini", "generic-password-assignment"),),
    negatives=(Example('db_password = "%%rand:alnum:8%%"', "config.ini", "generic-password-assignment"),),
    rule_ids=_DOTENV_RULES,
)
