"""Prose: a sentence, a word, a file path or a URL where a context rule expected a credential.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import dotenv, linear
from credgate.engine.filters.entry import GENERIC, Candidate, Example, Filter
from credgate.engine.filters.text import PASSWORDISH_RE, is_compared

_lazy = linear.compile


CONFIG_EXTENSIONS = frozenset("env ini cfg conf properties toml yaml yml json xml tfvars".split())


def _is_config_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name.startswith(".env") or name.endswith(".env") or name.rsplit(".", 1)[-1] in CONFIG_EXTENSIONS


def _is_non_latin_text(value: bytes) -> bool:
    """Mostly CJK, kana or Hangul characters: nobody's generated token, and rarely a password."""
    if len(value) < 6 or value.isascii():
        return False
    text = value.decode("utf-8", "replace")
    # CJK symbols and punctuation, kana, CJK ideographs, Hangul syllables, full-width forms.
    wide = sum(
        1
        for ch in text
        if "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"
    )
    return wide * 2 >= len(text)


def is_prose_word(c: Candidate) -> bool:
    """`tokens: create a new one`, `secret: credgate/gitleaks` in prose or comments.

    Outside config files an unquoted value without a digit reads as words, not a credential. So does
    text in a script written with ideographs or syllables (`"意外的标记。"`): a translated message.
    """
    if _is_non_latin_text(c.secret):
        return True
    if c.quoted or _is_config_file(c.path):
        return False
    return not any(48 <= ch <= 57 for ch in c.secret) and not _random_case(c.secret)


# A word in any case (`create`, `Create`, `CREATE`) or words run together in camelCase (`newPassword`).
_WORDS_RE = _lazy(rb"^(?:[a-z]+|[A-Z][a-z]*|[A-Z]+)(?:[A-Z][a-z]+)*$")
_CAMEL_PART_RE = _lazy(rb"[A-Z]?[a-z]+|[A-Z]+")


def _random_case(value: bytes) -> bool:
    """One run of letters whose case is not that of words (`AbcDEfgh`), or whose camelCase parts have
    no vowel: a password drawn from letters alone, not prose, though it holds no digit either."""
    token = value.rstrip(b".,;:!?")
    if not token.isalpha() or token.islower() or token.isupper():
        return False
    if not _WORDS_RE.match(token):
        return True
    return any(
        len(part) >= 4 and not any(v in part.lower() for v in b"aeiouy")
        for part in _CAMEL_PART_RE.findall(token)
    )


_SLUG_RE = _lazy(rb"^[a-z]+(?:[-/.][a-z]+)+\.?$")
_HEADER_NAME_RE = _lazy(rb"^X-[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+$")
# `com.cloudflare.api.account.<id>`: a resource named under its owner's reversed domain.
_REVERSE_DNS_RE = _lazy(rb"^(?:com|org|net|io)\.[a-z0-9-]+(?:\.[a-z][a-z0-9_-]*){2,}(?:\.[A-Za-z0-9_-]+)?$")


_TOKEN_ONLY_KEY_RE = _lazy(rb"(?i)token|api[-_.]?key|access[-_.]?key|auth[-_.]?key")
_HOSTNAME_RE = _lazy(rb"^(?:www\.)?(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|edu|gov|co|us|uk|de)(?::\d+)?/?$")
# A resource path of lower-case words: `zones/us-central1-a`, `projects/my-project/locations/global`.
_SLUG_PATH_RE = _lazy(rb"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:/[a-z][a-z0-9]*(?:-[a-z0-9]+)*)+/?$")
_PROSE_RE = _lazy(rb"^[\s\W]*[A-Za-z]+(?:\s+[\W]*[A-Za-z]+[\W]*)+\s*$")
_PATH_RE = _lazy(rb"^(?:/|~/|\./|\.\./|[A-Za-z]:\\)[\w./\\@:%~+-]*$")
_SECRET_NOUN_RE = _lazy(rb"(?i)(?:^|[^a-z])(?:secret|password|passphrase|passwd)(?:[^a-z]|$)")
# A URL with no user info and no query (`https://appleid.apple.com` under TOKEN_AUDIENCE) has nowhere to
# carry a credential; tokens in URL paths (webhooks) belong to provider rules.
_PLAIN_URL_RE = _lazy(rb"^[a-z][a-z0-9+.-]{1,15}://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?$")
# `realms/{realm-name}/protocol/openid-connect/token`: an RFC 6570 URI template names its variables.
_URI_TEMPLATE_RE = _lazy(rb"^/?(?:[A-Za-z0-9._~-]+/)*\{[A-Za-z0-9_.-]+\}(?:/[A-Za-z0-9._~{}-]*)*$")


def _is_dotenv_like(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return dotenv.is_dotenv(path) or name.endswith((".ini", ".properties", ".cfg", ".conf"))


_PASSWORD_VARIABLE_RE = _lazy(
    rb"(?i)^[\"'$@]?(?:[a-z0-9]+[_.-])?(?:db|database|admin|root|user|mysql|pg|smtp|mail)?[_.-]?(?:password|passwd|pwd|pass)[\"']?$"
)
_STATEMENT_RULES = frozenset({"prose-password-statement"})  # "the password is" and a quoted word
_COMMAND_LINE_RULES = frozenset(
    {"windows-command-password", "cli-password-argument", "generic-cli-credential-flag"}
)


def is_prose_or_path(c: Candidate) -> bool:
    """`'secret': 'will be replaced'`, `PWD='/tmp'`: a sentence or a file path, not a credential.

    A passphrase is a sentence too, so keys that say "phrase" keep their values.
    """
    if _PATH_RE.match(c.secret) or _PLAIN_URL_RE.match(c.secret) or _URI_TEMPLATE_RE.match(c.secret):
        return True
    word = c.secret.rstrip(b".,;:!?")
    # "the password is" and a quoted word, or `$password = "<word>"`: the name says a password is assigned.
    stated = c.rule.id in _STATEMENT_RULES or (
        c.quoted
        and len(word) >= 6
        and c.key is not None
        and _PASSWORD_VARIABLE_RE.match(c.key) is not None
        and not is_compared(c.key, c.line)  # `typeof x.password === 'function'`
    )
    if word.isalpha() and word.islower() and (len(word) < 6 or not _is_dotenv_like(c.path)) and not stated:
        # 'data', 'minutes': a lower-case word. In a dotenv file (DB_PASSWORD=postgres) it is kept, and
        # so is a bare command-line argument (`-p` then a word; a glued `-pthread` is another flag).
        at = c.line.find(c.secret)
        return not (c.rule.id in _COMMAND_LINE_RULES and at > 0 and c.line[at - 1 : at] in (b" ", b"\t"))
    if b" " in c.secret and b'"' in c.secret:
        return True  # `'variable|default:"Default value"'`: template or markup text
    tokenish = c.key is not None and _TOKEN_ONLY_KEY_RE.search(c.key) and not PASSWORDISH_RE.search(c.key)
    if tokenish and b" " in c.secret.strip():
        return True  # `"access_token": "attacker's AT"`: issued tokens and keys hold no spaces
    if _HOSTNAME_RE.match(c.secret) or _SLUG_PATH_RE.match(c.secret) or _REVERSE_DNS_RE.match(c.secret):
        return True  # `password:www.google.com/` in a malformed-URL example; `zones/us-central1-a`
    # `HEADER_EXTRA_CREDENTIAL = "X-Trino-Extra-Credential"`: the header's name, not its value.
    if _HEADER_NAME_RE.match(c.secret):
        return True
    if _SLUG_RE.match(c.secret) and not (c.key and b"phrase" in c.key.lower()):
        return True  # `same-origin`, `auth/invalid-credential`: an enum value or an error code
    if c.key and b"phrase" in c.key.lower():
        # A passphrase is words, but not a documented sentence: "Needed if ... (Added in version 1.6.0)",
        # nor one that calls itself a secret: 'super long and hard to guess secret'.
        words = c.secret.lower().split()
        if len(words) >= 4 and _SECRET_NOUN_RE.search(c.secret) is not None:
            return True
        return b"(" in c.secret and len(words) >= 4
    return _PROSE_RE.match(c.secret) is not None or len(c.secret.split()) >= 4


PROSE_WORD = Filter(
    name="prose-word",
    test=is_prose_word,
    scope=GENERIC,
    summary="Outside config files, an unquoted value without a digit reads as words (`tokens: create a new "
    "one`), unless it is one run of letters in no word's case (`AbcDEfgh`); so does text in a script "
    'of ideographs or syllables (`"意外的标记。"`), a translated message.',
    positives=(Example("tokens: create a new one", "docs/guide.md", "generic-password-assignment"),),
    negatives=(
        Example("tokens: create a new one", ".env.production", "generic-password-assignment"),
        # Letters only, two capitals side by side: in no word's case, whatever letters are drawn.
        Example(
            "CREATE USER app IDENTIFIED BY %%rand:upper:1%%%%rand:lower:4%%%%rand:upper:2%%%%rand:lower:6%%;",
            "db/init.sql",
            "sql-grant-identified-password",
        ),
    ),
    yields_to=("weak-password", "repeated-or-sequential"),
)

PROSE_OR_PATH = Filter(
    name="prose-or-path",
    test=is_prose_or_path,
    scope=GENERIC,
    summary="A sentence, a lower-case word, a file path, a plain URL or URI template, a host name, a slug or "
    "an error code (`auth/invalid-credential`), a header's name, a reversed domain. A lower-case word still "
    "counts in a dotenv file, after `the password is`, and as a command line's argument; a passphrase is "
    "words too, so only a documented or self-describing sentence steps back under a `*phrase` name.",
    positives=(
        Example("secret: '/run/secrets/db'", "config.yml", "generic-password-assignment"),
        Example("'secret': 'will be replaced'", "settings.py", "generic-password-assignment"),
    ),
    negatives=(
        Example(
            'Ensure the password is "%%rand:lower:9%%" and press the button.',
            "README.txt",
            "prose-password-statement",
        ),
    ),
    rule_ids=_STATEMENT_RULES | _COMMAND_LINE_RULES,
    yields_to=("weak-password",),
)
