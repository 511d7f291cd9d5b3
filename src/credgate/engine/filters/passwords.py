"""Passwords that describe themselves (`MySekretPa$$word`) and weak passwords (`hunter2`, `P@ssw0rd123`),
which are shown as a notice rather than dropped.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import dotenv, linear
from credgate.engine.filters.entry import ALL, Candidate, Example, Filter
from credgate.engine.filters.text import LEET, PASSWORDISH_KEY_RE, shannon_entropy

_lazy = linear.compile


_TEST_WORD_RE = _lazy(rb"(?i)(?:^|[^a-z])(?:test|testing|example|sample|dummy|fake|demo)(?:$|[^a-z])")


_TEST_MODE_TOKEN_RE = _lazy(rb"^(?:[a-z]{2,6}_)?test_[A-Za-z0-9_-]{20,}$")


_SPELLED_NAME_RE = _lazy(rb"^[a-z]+(?:[-_][a-z]+)*[-_]?\d{0,6}$")
_SPELLED_WORD_RE = _lazy(rb"token|secret|passw|passphrase|apikey|api[-_]key|credential")
_CAMEL_NAME_RE = _lazy(rb"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+){1,5}$")
_CAMEL_HUMP_RE = _lazy(rb"[A-Z][a-z]+")
_CAMEL_WORDS = frozenset(
    (b"Key", b"Token", b"Secret", b"Password", b"Passphrase", b"Credential", b"Credentials")
)


def is_self_describing_password(c: Candidate) -> bool:
    """`MySekretPa$$word`, `This-is-my-test-99!`, `VERYLONGSECRET...`: a value that spells out what it is."""
    lowered = c.secret.lower()
    # No provider token spells these words, so this holds for every rule: `someuser:somepassword@`.
    if any(word in lowered.translate(table) for table in LEET for word in (b"password", b"passwd")):
        return True
    if not c.rule.generic:
        return False
    if any(word in c.secret for word in (b"SECRET", b"PASSWORD", b"TOKEN")):
        return True
    if _SPELLED_NAME_RE.match(c.secret) and _SPELLED_WORD_RE.search(c.secret):
        return True  # `useraccesstoken123`, `my-api-key-1`: lower-case words that name what they stand for
    if _CAMEL_NAME_RE.match(c.secret) and _CAMEL_WORDS.intersection(_CAMEL_HUMP_RE.findall(c.secret)):
        return True  # `base64EncodedKey`, `yourApiToken`: a camelCase name whose words say what goes there
    if len(c.secret) < 20 and any(b"secret" in lowered.translate(table) for table in LEET):
        return True  # `s00pers3cret`, `mysecret123`: what documentation types as a password
    if _TEST_MODE_TOKEN_RE.match(c.secret) and shannon_entropy(c.secret) >= 4.0:
        return False  # `pk_test_<random>`: a provider's test-mode key still opens the account's API
    return _TEST_WORD_RE.search(c.secret) is not None


_SLOT_WORDS = frozenset(
    b"password passwd pass pwd passphrase mypassword my_password yourpassword your_password".split()
)
# Words at the top of every breached-password list, and vendor defaults (`changeit`: the JDK's cacerts).
_WEAK_CORES = frozenset(
    b"secret password passwd admin root hunter letmein qwerty welcome opensesame iloveyou dragon monkey"
    b" football baseball master shadow sunshine princess trustno starwars whatever freedom changeit".split()
)
# A few digits, an optional intensifier, a word (leetspeak allowed), then the digits and symbols a policy
# demands.
_WEAK_AFFIX_RE = _lazy(rb"^[0-9]{0,4}(?:super|top|very)?[-_.]?(?P<core>[a-z@4310$5!7]+?)[0-9!@#$%^&*?._-]*$")


def _join_words(value: bytes) -> bytes:
    """`open_sesame`, `open sesame` as `opensesame`: drop a separator between two lower-case letters."""
    out = bytearray()
    for i, ch in enumerate(value):
        joint = ch in b"-_ ." and 0 < i < len(value) - 1
        if joint and 97 <= value[i - 1] <= 122 and 97 <= value[i + 1] <= 122:
            continue
        out.append(ch)
    return bytes(out)


def _is_password_slot(c: Candidate) -> bool:
    if c.rule.id.endswith("-password") and not c.rule.id.startswith("password-hash"):
        return True  # a connection string's, URL's or command line's password position
    return c.rule.generic and c.key is not None and PASSWORDISH_KEY_RE.search(c.key) is not None


def is_weak_password(c: Candidate) -> bool:
    """`postgres://app:hunter2@db`, `password = "P@ssw0rd123"`, `Password=secret`: a weak password.

    Tutorials type these, and so do people: the database default that went to production is
    how incidents start. Not blocked, since most are samples, but shown as a notice. The bare
    slot word (`password = "password"`) stays a placeholder, as does a URL login that repeats its
    user name (`postgres:postgres@`).
    """
    if not _is_password_slot(c):
        return False
    value = c.secret.strip(b"\"'")
    if not 4 <= len(value) <= 24 or value.lower() in _SLOT_WORDS:
        return False
    at = c.line.find(b":" + value + b"@")
    if at != -1 and c.line[c.line.rfind(b"//", 0, at) + 2 : at].lower() == value.lower():
        return False
    m = _WEAK_AFFIX_RE.match(_join_words(value.lower()))
    return m is not None and m.group("core").translate(LEET[0]) in _WEAK_CORES


def _in_a_deployed_env_file(c: Candidate) -> bool:
    """A deployed dotenv file (`.env.production`), not a template (`.env.example`, `env.dist`)

    DB_PASSWORD=hunter2 there is the deployed password, so it blocks; a template holds a documented
    default, a notice. (`dotenv` holds the one definition `credgate files` uses too.)"""
    return dotenv.is_dotenv(c.path) and not dotenv.is_dotenv_template(c.path)


SELF_DESCRIBING_PASSWORD = Filter(
    name="self-describing-password",
    test=is_self_describing_password,
    scope=ALL,
    summary="A value that spells out what it is: `password` in any spelling (`Pa$$w0rd`) for every rule; for "
    "context rules also `SECRET`/`TOKEN` in capitals, names such as `useraccesstoken123` or "
    "`base64EncodedKey`, short `...secret...` values and test words (`demo`, `sample`). A provider's "
    "test-mode key (`pk_test_<random>`) still counts.",
    positives=(
        Example('password = "MySekretPa$$word"', "config.ini", "generic-password-assignment"),
        Example('client_secret = "useraccesstoken123"', "settings.py", "generic-password-assignment"),
    ),
    negatives=(Example('password = "%%rand:alnum:14%%"', "config.ini", "generic-password-assignment"),),
    yields_to=("weak-password",),
)

WEAK_PASSWORD = Filter(
    name="weak-password",
    test=is_weak_password,
    scope=ALL,
    verdict="notice",
    notice="a weak or sample password (a common word, digits, leetspeak): change it if it is real",
    summary="A weak password in a password's place (`hunter2`, `P@ssw0rd123`, `Password=secret`): a "
    "breached-password word or a vendor default, maybe in leetspeak, with digits and symbols around it. "
    "Tutorials type these and so do people, so it is a notice in place of the filters that call a value "
    "made up; in a deployed dotenv file (`.env.production`) it blocks.",
    positives=(
        Example("DB_PASSWORD=hunter2", "config/app.ini", "generic-password-assignment"),
        Example('password = "P@ssw0rd123"', "settings.py", "generic-password-assignment"),
    ),
    negatives=(
        # The deployed password blocks.
        Example("DB_PASSWORD=hunter2", ".env.production", "generic-password-assignment"),
        # The bare slot word stays a placeholder.
        Example('password = "password"', "settings.py", "generic-password-assignment"),
    ),
    chained=False,
    blocks_where=_in_a_deployed_env_file,
)
