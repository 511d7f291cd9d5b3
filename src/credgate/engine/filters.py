"""Decoy filters: small named predicates that turn a regex hit into a non-finding.

Each returns True when the candidate is *not* a secret. They are kept separate,
named and individually tested, so a suppression can always say why it happened
(`credgate scan -v`) and a bad filter can be fixed without touching the rules.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from credgate.engine import dotenv, linear
from credgate.engine.rules import Rule

# Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
_lazy = linear.compile

ALLOW_MARKER = b"credgate:allow"
ALLOW_NEXT_LINE = b"credgate:allow-next-line"
DETECT_SECRETS_PRAGMA = b"pragma: allowlist secret"  # honoured so migrating repos keep their markers
DETECT_SECRETS_NEXTLINE = b"pragma: allowlist nextline secret"
# The one list of inline markers (policy.py disarms the next-line ones, `credgate suppressions` lists them
# all). Other scanners' words are honoured so a team that moves to credgate keeps the markers it has:
# each allows every rule on its line, as it does in the tool that defined it.
FOREIGN_MARKERS = (
    DETECT_SECRETS_PRAGMA,
    b"gitleaks:allow",
    b"trufflehog:ignore",
    b"kingfisher:ignore",
    b"kingfisher:allow",
    b"ggignore",  # ggshield
)
SAME_LINE_MARKERS = (ALLOW_MARKER, *FOREIGN_MARKERS)
NEXT_LINE_MARKERS = (ALLOW_NEXT_LINE, DETECT_SECRETS_NEXTLINE)

CODE_EXTENSIONS = frozenset(
    "py pyi js jsx mjs cjs ts tsx mts cts go java kt kts scala rb php cs c h cc cpp hpp rs swift m mm dart"
    " lua pl groovy vue svelte ex exs erl clj fs vb r jl map".split()  # .map: a source map embeds the code
)


@dataclass(frozen=True)
class Candidate:
    rule: Rule
    secret: bytes
    line: bytes
    prev_line: bytes
    path: str
    key: bytes | None = None
    quoted: bool = True
    # The whole scanned text and the secret's offset in it, for filters that read around the line.
    data: bytes = b""
    offset: int = 0


def shannon_entropy(data: bytes) -> float:
    if not data:
        return 0.0
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in Counter(data).values())


# Checks around a value found in its line: a search for the value plus one precompiled pattern. A regex
# built around each escaped value would cost a compile per candidate.
_CONCATENATED_TAIL = rb"[\"']\s*(?:\+|\.\s|%\s|\|\|)"
_COMPARISON_TAIL = rb"[\"'\]]?\s*[=!]==?"
_CONDITIONAL_HEAD_RE = _lazy(rb"\?[ \t]*(?:\"[^\"'\n]{0,80}\"|'[^\"'\n]{0,80}')[ \t]*:[ \t]*$")
_BADGE_URL_HEAD_RE = _lazy(
    rb"(?:badge[^\s\"'<>()]*\.svg|(?i:\.(?:png|jpe?g|gif|svg|webp|avif|ico)))\?(?:[^\s\"'<>()]*&)?$"
)


def _followed_by(line: bytes, needle: bytes, tail: bytes) -> bool:
    """Some occurrence of `needle` in `line` is followed by the pattern `tail`."""
    count = line.count(needle) if needle else 0
    if count == 0:
        return False
    if count > _MAX_OCCURRENCES and len(needle) <= _MAX_NEEDLE:
        # A short value repeated all over the line (`password="` 400 times): one search for value and tail.
        return linear.literal_then(needle, tail).search(line) is not None
    tail_re = linear.literal_then(b"", tail)
    at = line.find(needle)
    while at != -1:
        if tail_re.match(line, at + len(needle)):
            return True
        at = line.find(needle, at + 1)
    return False


_MAX_OCCURRENCES = 8
_MAX_NEEDLE = 256  # bytes; a longer value occurs only a few times in a window


def _has_word(text: bytes, word: bytes) -> bool:
    """`word` stands alone in `text`: no letter or digit right before or after it."""
    at = text.find(word)
    while at != -1:
        before, after = text[at - 1 : at] if at else b"", text[at + len(word) : at + len(word) + 1]
        if not (before.isalnum() and before.isascii()) and not (after.isalnum() and after.isascii()):
            return True
        at = text.find(word, at + 1)
    return False


_MARKER_IDS_SPLIT_RE = _lazy(rb"[,\s]")


def is_inline_allowed(c: Candidate) -> bool:
    # A marker is read outside the value: a token that happens to spell `ggignore` does not allow itself.
    line = c.line.replace(c.secret, b" ") if c.secret else c.line
    if any(m in line for m in FOREIGN_MARKERS) or any(m in c.prev_line for m in NEXT_LINE_MARKERS):
        return True
    return any(ids is None or c.rule.id in ids for ids in allow_marker_ids(line))


def allow_marker_ids(line: bytes) -> list[frozenset[str] | None]:
    """The `credgate:allow` markers on a line: None for a bare marker (every rule), else the rule ids
    of `credgate:allow=ID[,ID]`. A next-line marker is not one of them."""
    out: list[frozenset[str] | None] = []
    pos = line.find(ALLOW_MARKER)
    while pos != -1:
        rest = line[pos + len(ALLOW_MARKER) : pos + len(ALLOW_MARKER) + 1024]
        if rest.startswith(b"-next-line"):
            pass
        elif not rest.startswith(b"="):
            out.append(None)
        else:
            ids = _MARKER_IDS_SPLIT_RE.split(rest[1:].split(None, 1)[0] if rest[1:].strip() else b"")
            out.append(frozenset(i.decode("utf-8", "replace") for i in ids if i))
        pos = line.find(ALLOW_MARKER, pos + 1)
    return out


_REASON_RE = _lazy(rb"\breason\s*=\s*(?:\"([^\"\n]{0,200})\"|'([^'\n]{0,200})')")


def marker_reason(line: bytes) -> str:
    """The reason a marker gives (`credgate:allow reason="public demo key"`), "" if none."""
    m = _REASON_RE.search(line)
    if m is None:
        return ""
    return (m.group(1) or m.group(2) or b"").decode("utf-8", "replace")


def marker_on(line: bytes, prev_line: bytes = b"") -> str:
    """The marker that allows a line ("" if none): on the line itself, else a next-line one above it."""
    for m in SAME_LINE_MARKERS:
        at = line.find(m)
        while at != -1:
            if m != ALLOW_MARKER or not line.startswith(b"-next-line", at + len(m)):
                return m.decode()
            at = line.find(m, at + 1)
    for m in NEXT_LINE_MARKERS:
        if m in prev_line:
            return m.decode()
    return ""


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


_PLACEHOLDER_WORDS = frozenset(
    b"""changeme change_me change-me changeit password passwd secret token apikey api_key api-key
    your_api_key your-api-key yourapikey your_token your-token your_secret your-secret example sample
    placeholder dummy fake test testing redacted removed hidden none null nil undefined todo tbd fixme
    xxx replace_me replaceme insert_here secret_here token_here key_here notasecret not-a-secret
    mysecret mypassword my_password mytoken s3cr3t p@ssw0rd p4ssw0rd letmein default value string text
    hunter2 foobar foo bar baz qwerty pass user pwd psw pw bearer basic digest foobared""".split()
) | {b"top secret", b"open sesame"}  # foobared: redis.conf's example `requirepass`
_PLACEHOLDER_RE = _lazy(
    rb"(?i)^(?:<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|\(+[^()]*\)+|\*+|\.+|-+|_+|#+)$"  # <token>, [key], {x}, ****
    rb"|\*{3,}|\.\.\."
    rb"|(?:^|[-_])(?:your|my|insert|enter|replace|put|add)[-_ ]?\w*(?:here|key|token|secret|password)"
    rb"|(?:api[-_]?key|token|secret|password)[-_ ]?here"
    rb"|placeholder|replace[-_ ]?me|change[-_ ]?me"
    rb"|^(?:[a-z]+[-_])+(?:secret|token|password|key)(?:[-_][a-z]+)*$"  # very-secret-token: describes itself
    rb"|^[A-Z_]+(?:\.[A-Z_]+)+$"
)


_METASYNTACTIC_RE = _lazy(rb"(?i)^(?:foo|bar|baz|qux|quux)(?:\W*(?:foo|bar|baz|qux|quux))*$")


_HTML_ENTITY_RE = _lazy(rb"&(?:lt|gt|quot|amp|#\d{2,3});")
_CAPS_NAME_RE = _lazy(rb"^[A-Z]{2,}(?:_[A-Z]{2,})+$")
_INTERLEAVED_RE = _lazy(rb"(?i)a1b2c3d4|1a2b3c4d|abc123|123abc")


def _first_run(value: bytes, least: int) -> int:
    """The length of the first run of at least `least` equal bytes (newlines aside), or 0."""
    starts = [at for ch in set(value) - {10} if (at := value.find(bytes((ch,)) * least)) != -1]
    if not starts:
        return 0
    at = min(starts)
    run = value[at : at + 1]
    end = at + least
    while value.startswith(run * 64, end):
        end += 64
    while value.startswith(run, end):
        end += 1
    return end - at


def is_placeholder(c: Candidate) -> bool:
    value = c.secret.strip(b"\"'`")
    if _HTML_ENTITY_RE.search(value):
        import html

        value = html.unescape(value.decode("utf-8", "replace")).encode()  # &lt;password&gt; in HTML docs
    if _CAPS_NAME_RE.match(value):
        return True  # `Bearer PRIMARY_ACCOUNT_JWT`: the name of a value, written where the value goes
    if len(set(value.translate(None, b"-_.: "))) == 1:
        return True  # the nil UUID, `0000-0000`, `xxxx_xxxx`: one character between separators
    run = _first_run(value, 8)
    if run and run * 2 >= len(value):
        return True  # `0000000000000000aa`: mostly one character, as no generated token is
    if b"%" in value:
        from urllib.parse import unquote_to_bytes

        value = unquote_to_bytes(value)  # foo%40bar in a URL is foo@bar
        if len(value) < 3:
            return True
    if _METASYNTACTIC_RE.match(value):
        return True
    if value.lower() in _PLACEHOLDER_WORDS or value.lower().translate(_LEET[1]) in _PLACEHOLDER_WORDS:
        return True  # also `p@ss`, `passw0rd`
    if value.lower().strip(b"_*#[]<>()") in _PLACEHOLDER_WORDS:
        return True  # `__redacted__`, `[REDACTED]`, `**hidden**`: a placeholder word dressed up
    if _DUNDER_RE.match(value):
        return True  # `__generate__`, `__from_env__`: a sentinel that code replaces, in Python's dunder style
    if _is_x_filler(value):
        return True
    return _PLACEHOLDER_RE.search(value) is not None


_X_RUN_RE = _lazy(rb"(?i)x{4,}")


def _is_x_filler(value: bytes) -> bool:
    """`xxxx`, `AKIAXXXXXXXXXXXXXXXX`, `token-xxxx-here`: x's typed where the value goes.

    Only a run that stands alone between separators, or fills a quarter of the value: four x's by
    chance inside a long random value (one real private key in about 650 has `xXxx` somewhere in its
    base64) are not a placeholder.
    """
    for m in _X_RUN_RE.finditer(value):
        start, end = m.start(), m.end()
        if (end - start) * 4 >= len(value):
            return True
        alone_left = start == 0 or not value[start - 1 : start].isalnum()
        alone_right = end == len(value) or not value[end : end + 1].isalnum()
        if alone_left and alone_right:
            return True
    return False


_DUNDER_RE = _lazy(rb"^__[a-z]+(?:_[a-z]+)*__$")
_SEQUENCES = (b"0123456789abcdefghijklmnopqrstuvwxyz", b"zyxwvutsrqponmlkjihgfedcba9876543210", b"qwertyuiop")


def is_repeated_or_sequential(c: Candidate) -> bool:
    """`abcdef0123456789`, `a1b2c3d4e5f6`, `aaaaaaab`: made up by hand (a notice, not blocking).

    A Basic credential is judged by its decoded password: `basic <base64 of id:1234567890abcdef...>`.
    """
    value = c.secret
    if c.rule.id == "http-authorization-basic":
        import base64
        import binascii

        try:
            value = base64.b64decode(value + b"=" * (-len(value) % 4)).rpartition(b":")[2]
        except (binascii.Error, ValueError):
            return False
    if _INTERLEAVED_RE.search(value):
        return True
    value = value.lower()
    if len(value) >= 6 and Counter(value).most_common(1)[0][1] >= 0.6 * len(value):
        return True
    joined = value.translate(None, b"-_. ")  # `ABCDEFG-HIJKLMN-OPQRSTU`: the alphabet in groups
    texts = (value,) if joined == value else (value, joined)
    for seq in _SEQUENCES:
        for i in range(len(seq) - 7):
            if any(seq[i : i + 8] in text for text in texts):
                return True
    return any(_is_periodic(text) for text in texts) or _counts_in_hex(value)


_COUNT_RUN = 8  # bytes; eight in a row by chance in random hex: under 1 in 10^16 per position


def _counts_in_hex(value: bytes) -> bool:
    """`000102030405060708090a0b0c0d0e0f`: bytes counting up or down, how test vectors write keys and IVs."""
    if len(value) < 2 * _COUNT_RUN or value.strip(b"0123456789abcdef"):
        return False
    for start in (0, 1):
        raw = bytes.fromhex(value[start : start + (len(value) - start) // 2 * 2].decode())
        for step in (1, 255):
            run = 1
            for a, b in zip(raw, raw[1:]):
                run = run + 1 if (a + step) % 256 == b else 1
                if run >= _COUNT_RUN:
                    return True
    return False


def _is_periodic(value: bytes) -> bool:
    """`abcd1234abcd1234abcd1234...`, `xyzxyzxyzxyz12`: a short unit typed over and over covers most of the
    value. A generated token of that length repeats itself with negligible probability."""
    n = len(value)
    if n < 12:
        return False
    # A periodic stretch covering 75% of the value covers its middle half, so the middle half must repeat
    # with the same period: one slice comparison rejects a period (and nearly every real token) at C speed.
    quarter = (n + 3) // 4
    middle = value[quarter : n - quarter]
    for period in range(1, min(16, n // 3) + 1):
        if len(middle) > period and middle[period:] != middle[:-period]:
            continue
        run = best = 0
        for i in range(n - period):
            run = run + 1 if value[i] == value[i + period] else 0
            best = max(best, run)
        if best + period >= max(0.75 * n, 3 * period):
            return True
    return False


_REFERENCE_RE = _lazy(
    rb"\$\{|\$\(|\{\{|\}\}|<%|#\{|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$"
    rb"|os\.environ|process\.env|getenv|\bENV\[|System\.getenv|secrets\.|vault:|env\("
    rb"|%%[a-z0-9-]+(?::[^%\s]*)?%%"  # credgate's own example templates (synth.py)
)


_INTERPOLATION_RE = _lazy(rb"\{[A-Za-z_][A-Za-z0-9_.\[\]'\"()]*(?:![rsa])?(?::[^{}]*)?\}")


_CONCAT_RE = _lazy(rb"[\"']\s*(?:\+|\.|\|\|)\s*[\"'A-Za-z_]")  # "a" + "b", 'a' . $b, "a" || x
_FORMAT_RE = _lazy(rb"%[-#0 +]?\d*(?:\.\d+)?[sdrif]|%\([A-Za-z_]\w*\)[sdr]|\{\d*\}")


def _looks_random(value: bytes) -> bool:
    """A long value of five bits a character: a generated key that happens to hold `%r` or `{}`.

    Format strings mix a few specifiers into text, which keeps them well below that.
    """
    return len(value) >= 32 and shannon_entropy(value) >= 5.0


def is_reference(c: Candidate) -> bool:
    """`${VAR}`, `{{ secrets.X }}`, `os.environ[...]`: a pointer to a secret, not one."""
    if _REFERENCE_RE.search(c.secret) or c.secret + b"%%" in c.line or c.secret + b"${" in c.line:
        return True  # also a value that a template (`%%rand:...%%`, `${VAR}`) completes
    if not c.rule.generic:
        return False
    # `f"{prefix}{name}"` interpolates; a "value" opening with `)` or `,` began inside another string.
    if _INTERPOLATION_RE.search(c.secret) or c.secret[:1] in b")]},;+.":
        return True
    if c.secret[:1] == b"{" and b"}" not in c.secret:
        return True  # f"X = '{call('a')}'": the quote ended inside an interpolation
    # '%s:%s' % (...), "{}".format(...), and "' + var + '" are built at run time.
    stripped = c.secret.strip()
    if _FORMAT_RE.search(c.secret) and not _looks_random(c.secret):
        return True
    if stripped[:1] == b"+" or stripped[-1:] == b"+":
        return True
    if _CONCAT_RE.search(c.secret):
        return True
    if c.quoted and _followed_by(c.line, c.secret, _CONCATENATED_TAIL):
        return True  # `"bearer " + content`: the literal is only the start of a value built at run time
    if _NAMED_PARAMETER_RE.match(c.secret):
        return True  # `token: ':remote-addr'`, `WHERE pwd = :pwd`: a named parameter or format token
    if not c.quoted and c.secret + b"(" in c.line:
        return True  # `auth=OAuth2Authentication()`: a call, in a README's code as much as in code
    # Unquoted brackets are code (`get()`, `cfg[key]`, `Optional[str]`), not a literal.
    return not c.quoted and any(ch in c.secret for ch in b"()[]{}<>")


_NAMED_PARAMETER_RE = _lazy(rb"^:[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$")


_MEMBER_SPLIT_RE = _lazy(rb"\.|->|::")
_IDENTIFIER_RE = _lazy(rb"^[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->|::)[A-Za-z_][A-Za-z0-9_]*)*$")


def is_code_identifier(c: Candidate) -> bool:
    """An unquoted value in source code is an expression (a variable), not a literal."""
    if not c.rule.generic or c.quoted:
        return False
    if c.key is not None and (b"?" + c.key + b"=" in c.line or b"&" + c.key + b"=" in c.line):
        return False  # `...?api_key=VALUE` inside a URL string is a literal, whatever the file
    ext = c.path.rsplit(".", 1)[-1].lower() if "." in c.path.rsplit("/", 1)[-1] else ""
    if ext in CODE_EXTENSIONS:
        return True
    if _IDENTIFIER_RE.match(c.secret) is None or not (b"." in c.secret or b"->" in c.secret):
        return False
    # `tk.eyJ1...` or a dotted JWT is a token, not `config.db.password`: identifiers are not that long.
    return max(len(part) for part in _MEMBER_SPLIT_RE.split(c.secret)) < 24


CONFIG_EXTENSIONS = frozenset("env ini cfg conf properties toml yaml yml json xml tfvars".split())


def _is_config_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name.startswith(".env") or name.endswith(".env") or name.rsplit(".", 1)[-1] in CONFIG_EXTENSIONS


_SLUG_RE = _lazy(rb"^[a-z]+(?:[-/.][a-z]+)+\.?$")
_HEADER_NAME_RE = _lazy(rb"^X-[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+$")
# `com.cloudflare.api.account.<id>`: a resource named under its owner's reversed domain.
_REVERSE_DNS_RE = _lazy(rb"^(?:com|org|net|io)\.[a-z0-9-]+(?:\.[a-z][a-z0-9_-]*){2,}(?:\.[A-Za-z0-9_-]+)?$")
_RANGE_RE = _lazy(rb"^[<>=~^ ]*\d[\w.*]*(?:\s*(?:\|\||[<>=~^ ,-])+\s*\d[\w.*]*)*$")
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


def is_type_union(c: Candidate) -> bool:
    """`type Mode = "optional" | "required"`: TypeScript literal unions name values, they hold none."""
    if not c.rule.generic:
        return False
    line = c.line.replace(b"||", b"  ")  # `process.env.X || "fallback"` is a default, not a union
    for q in (b'"', b"'"):
        quoted = q + c.secret + q
        if quoted + b"|" in line or quoted + b" |" in line or b"|" + quoted in line or b"| " + quoted in line:
            return True
    return False


_DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")


def is_type_declaration(c: Candidate) -> bool:
    """`xadd(key, entriesAdded: "ENTRIESADDED")` in a `.d.ts`: a declaration file holds types
    only, so a quoted value outside its comments is a literal type, never a value at run time."""
    if not c.rule.generic or not c.path.endswith(_DECLARATION_SUFFIXES):
        return False
    return not c.line.lstrip().startswith((b"*", b"//", b"/*"))


# Capitalised words, maybe after a lower-case one and before an acronym: `InferenceEndpointInfoFireworksAI`.
_PASCAL_WORDS_RE = _lazy(rb"^(?:[a-z]{2,})?(?:[A-Z][a-z]{2,}){2,}[A-Z]{0,4}$")


def is_identifier_value(c: Candidate) -> bool:
    """`type FireworksResponse = InferenceEndpointInfoFireworksAI`: a name assigned to a provider's key
    name is a type or a class, not its key. Capitalised words without a digit are not what key
    generators make: 1 random 24-character alphanumeric value in 100,000 has that shape, 1 in 2 million
    at 32. (The context rules have their own, wider check for names: see is_key_echo.)"""
    if c.rule.generic or c.key is None:
        return False
    if len(c.secret) >= 8 and c.secret.lower() in c.key.lower():
        return True  # `exports.resolveVercelLsAgentType = resolveVercelLsAgentType`
    return _PASCAL_WORDS_RE.match(c.secret) is not None


def is_conditional_branch(c: Candidate) -> bool:
    """`auth ? "Auth Token" : "Unauthorized"`: the two arms of a conditional expression, not a key and
    its value, even though `"...Token": "..."` reads like one."""
    if not c.rule.generic or b"?" not in c.line:
        return False
    for quote in (b'"', b"'"):
        at = c.line.find(quote + c.secret + quote)
        while at != -1:
            # Read backwards from the arm: `? "<other arm>" :` must come right before it.
            if _CONDITIONAL_HEAD_RE.search(c.line[max(0, at - 100) : at]):
                return True
            at = c.line.find(quote + c.secret + quote, at + 1)
    return False


_COMMIT_ID_RE = _lazy(rb"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_CREDENTIAL_TAIL_RE = _lazy(
    rb"(?i)(?:key|token|secret|passw(?:or)?d|pwd|tkn|auth|access|private|credentials?|creds)[\"']?$"
)


def is_commit_id_outside_secret_context(c: Candidate) -> bool:
    """`Support private accessors a86255cb...`, `revision: 3f2a...`: a git commit id (40 or 64 lower-case
    hex) is everywhere in changelogs and lock files. Under a name that ends in a credential word
    (`GITHUB_TOKEN`, `api_key`) the same shape is a classic 40-hex token, so it stays."""
    if not c.rule.generic or _COMMIT_ID_RE.match(c.secret) is None:
        return False
    # With no name, the rule's own context (an Authorization header, a URL) says credential.
    return c.key is not None and _CREDENTIAL_TAIL_RE.search(c.key) is None


# AWS Signature Version 4: `Credential=<access key id>/<yyyymmdd>/<region>/<service>/aws4_request` names the
# key and its scope; the secret never appears in the header.
_SIGV4_SCOPE_RE = _lazy(rb"^[A-Z0-9]{4,128}/[0-9]{8}/[a-z0-9-]{1,32}/[a-z0-9-]{1,64}/aws4_request$")


def is_sigv4_scope(c: Candidate) -> bool:
    """`Authorization: AWS4-HMAC-SHA256 Credential=AKIA.../20121226/us-east-1/sqs/aws4_request`."""
    return c.rule.generic and _SIGV4_SCOPE_RE.match(c.secret.strip(b"\"'")) is not None


_PASSWORD_VARIABLE_RE = _lazy(
    rb"(?i)^[\"'$@]?(?:[a-z0-9]+[_.-])?(?:db|database|admin|root|user|mysql|pg|smtp|mail)?[_.-]?(?:password|passwd|pwd|pass)[\"']?$"
)
_COMMAND_LINE_RULES = frozenset(
    {"windows-command-password", "cli-password-argument", "generic-cli-credential-flag"}
)


def is_prose_or_path(c: Candidate) -> bool:
    """`'secret': 'will be replaced'`, `PWD='/tmp'`: a sentence or a file path, not a credential.

    A passphrase is a sentence too, so keys that say "phrase" keep their values.
    """
    if not c.rule.generic:
        return False
    if _PATH_RE.match(c.secret) or _PLAIN_URL_RE.match(c.secret) or _URI_TEMPLATE_RE.match(c.secret):
        return True
    word = c.secret.rstrip(b".,;:!?")
    # "the password is" and a quoted word, or `$password = "<word>"`: the name says a password is assigned.
    stated = c.rule.id == "prose-password-statement" or (
        c.quoted
        and len(word) >= 6
        and c.key is not None
        and _PASSWORD_VARIABLE_RE.match(c.key) is not None
        and not _is_compared(c.key, c.line)  # `typeof x.password === 'function'`
    )
    if word.isalpha() and word.islower() and (len(word) < 6 or not _is_dotenv_like(c.path)) and not stated:
        # 'data', 'minutes': a lower-case word. In a dotenv file (DB_PASSWORD=postgres) it is kept, and
        # so is a bare command-line argument (`-p` then a word; a glued `-pthread` is another flag).
        at = c.line.find(c.secret)
        return not (c.rule.id in _COMMAND_LINE_RULES and at > 0 and c.line[at - 1 : at] in (b" ", b"\t"))
    if b" " in c.secret and b'"' in c.secret:
        return True  # `'variable|default:"Default value"'`: template or markup text
    tokenish = c.key is not None and _TOKEN_ONLY_KEY_RE.search(c.key) and not _PASSWORDISH_RE.search(c.key)
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


def is_prose_word(c: Candidate) -> bool:
    """`tokens: create a new one`, `secret: credgate/gitleaks` in prose or comments.

    Outside config files an unquoted value without a digit reads as words, not a credential. So does
    text in a script written with ideographs or syllables (`"意外的标记。"`): a translated message.
    """
    if not c.rule.generic:
        return False
    if _is_non_latin_text(c.secret):
        return True
    if c.quoted or _is_config_file(c.path):
        return False
    return not any(48 <= ch <= 57 for ch in c.secret)


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


_FIXTURE_KEY_RE = _lazy(
    rb"(?i)(?:^|[^a-z])(?:test|mock|fake|dummy|example|sample|stub)(?:[^a-z]|$)|(?:^|[-_.])(?:Test|Mock|Fake)[A-Z_]"
    rb"|^(?:invalid|missing|wrong|bad|expired|empty|err|error|no)[-_]"
)


def is_fixture_or_error_key(c: Candidate) -> bool:
    """`TEST_BASIC_TOKEN`, `mock_api_key`, `INVALID_PASSWORD = '28P01'`: a fixture or an error-code name."""
    return c.rule.generic and c.key is not None and _FIXTURE_KEY_RE.search(c.key.strip(b"\"'")) is not None


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
    if not c.rule.generic or c.key is None:
        return False
    m = _NON_SECRET_KEY_RE.search(c.key)
    if (m and (m.end() - m.start() >= 4 or _starts_a_word(c.key, m.start()))) or _PAGINATION_KEY_RE.search(
        c.key
    ):
        return True
    last = _MEMBER_SPLIT_RE.split(c.key.strip(b"\"'"))[-1]
    return last != c.key.strip(b"\"'") and not _SENSITIVE_RE.search(last)


_NAMESPACE_RE = _lazy(rb"^[a-z]{2,12}:[a-z]")
_CAMEL_IDENTIFIER_RE = _lazy(rb"^[A-Za-z][a-z]+(?:[A-Z][a-z]+)+$")
_ENV_NAME_RE = _lazy(
    rb"^_*[A-Z][A-Z0-9]*(?:_+[A-Z0-9]+)+_*$"
)  # AWS_SHARED_CREDENTIALS_FILE: a variable's name


def is_key_echo(c: Candidate) -> bool:
    """`"secrets": "secrets"`, `PASSWORD=password`, `"output_token": "NextPageToken"`.

    The value only repeats a name, or is itself a CamelCase identifier.
    """
    if not c.rule.generic or c.key is None:
        return False
    bare = c.secret.lstrip(b"?#@:$!")
    namespace = _NAMESPACE_RE.match(bare)
    if namespace is not None:
        bare = bare[namespace.end() - 1 :]  # `msal:acquireTokenStart`: an event name
    if _CAMEL_IDENTIFIER_RE.match(bare) or _ENV_NAME_RE.match(bare):
        return True
    if bare.isalpha() and sum(ch < 97 for ch in bare) >= 2 and not bare.isupper() and _is_wordy(bare):
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
    return _has_word(c.secret.lower(), key)


_WORDS_OF_RE = _lazy(rb"[a-z]{2,}")
_NOT_ALNUM_RE = _lazy(rb"[^a-z0-9]")
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


_UUID_RE = _lazy(rb"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STRONG_KEY_RE = _lazy(rb"(?i)secret|passw|api[-_.]?key|private")


_ID_TOKEN_KEY_RE = _lazy(
    rb"(?i)request|change|idempoten|correlation|trace|client[-_]?token|transaction|csrf|xsrf"
)


def is_uuid_outside_secret_context(c: Candidate) -> bool:
    """`"ClientRequestToken": "<uuid>"`: request and change tokens are ids; a UUID under `api_key` is not.

    Many services issue UUID API keys, so under a name ending in key or token a UUID
    counts, unless the name says it identifies a request.
    """
    if not c.rule.generic or _UUID_RE.match(c.secret) is None:
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


_CASE_CHANGE_RE = _lazy(rb"[a-z][A-Z]")
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


_SEPARATORS_RE = _lazy(rb"[-_.:/+=~]+")
_MIXED_PART_RE = _lazy(rb"[A-Za-z]+\d|\d+[A-Za-z]")
_MIN_MIXED_PART = 6  # `s3`, `ec2`, `k8s`, `east1` are words with a digit, not generated text
_SELF_DESCRIBING_RE = _lazy(rb"(?i)secret|password|passwd|token|apikey|api_key|dummy|sample|changeme")
_HEX_RE = _lazy(rb"^[0-9a-fA-F]{16,}$")
_FILE_NAME_RE = _lazy(
    rb"(?i)\.(?:json|pem|key|crt|cer|der|p12|pfx|jks|txt|ya?ml|env|ini|cfg|conf|js|ts|py|rb|go|html?|css|png|jpe?g|war|jar"
    rb"|gif|svg|xml|csv|log|gz|zip|tar|sh|md)$"
)
_WORDS_RE = _lazy(rb"^(?:[A-Z]?[a-z]{2,}|[A-Z]{2,})(?:[A-Z][a-z]+\d*|\d+)*(?:[A-Z][a-z]{2,}\d*){1,}$")
_VERSION_RE = _lazy(rb"(?i)^v?\d+(?:\.\d+)+(?:[-+.][0-9a-z.-]*)?$")


_VOWELS = frozenset(b"aeiouyAEIOUY")
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


_CONSONANT_RUN_RE = _lazy(rb"[^aeiouy]{5,}")
_WORD_JOIN_RE = _lazy(rb"[a-z][A-Z]|[^A-Za-z0-9]")


def _segments(value: bytes) -> list[bytes]:
    """Case runs of a name: `ABCdef` is `AB`, `Cdef` (the capitals before a lower-case run belong to it),
    digits and separators are runs of their own."""
    out: list[bytes] = []
    at, n = 0, len(value)
    while at < n:
        ch = value[at]
        end = at + 1
        if 65 <= ch <= 90:
            while end < n and 65 <= value[end] <= 90:
                end += 1
            if end < n and 97 <= value[end] <= 122:
                if end - at > 1:
                    end -= 1  # `ABCdef`: `AB`, then `Cdef`
                else:
                    while end < n and 97 <= value[end] <= 122:
                        end += 1
        elif 97 <= ch <= 122:
            while end < n and 97 <= value[end] <= 122:
                end += 1
        elif 48 <= ch <= 57:
            while end < n and 48 <= value[end] <= 57:
                end += 1
        else:
            while end < n and not value[end : end + 1].isalnum():
                end += 1
        out.append(value[at:end])
        at = end
    return out


def _is_word(seg: bytes) -> bool:
    """A lower-case or Capitalized run with a vowel and no five consonants in a row, as words are."""
    if len(seg) < 2 or not (seg.islower() or seg[1:].islower()):
        return False
    lowered = seg.lower()
    return any(ch in b"aeiou" for ch in lowered) and _CONSONANT_RUN_RE.search(lowered) is None


def _is_wordy(value: bytes) -> bool:
    """`ServerlessV2PlatformVersions`, `jinja2_extensions`: mostly words of three letters or more.

    Generated text breaks into short case runs (`aB3dE5`), so little of it is covered by
    word-like segments; names made of words are almost all covered.
    """
    covered = digits = 0
    runs: list[int] = []
    for seg in _segments(value):
        if seg[:1].isdigit():
            digits += len(seg)
        elif seg[:1].isalpha():
            runs.append(len(seg))
            if _is_word(seg) or (seg.isupper() and 2 <= len(seg) <= 4):
                covered += len(seg)  # a word, or an acronym such as JSX or API
    letters = sum(ch in _LETTERS for ch in value)
    if digits > 4 or covered < 0.8 * letters:
        return False
    # Random mixed case breaks into runs of two or three letters (`wreHOHidBfLde`); names are made
    # of longer words.
    if runs and sum(runs) / len(runs) < 4:
        return False
    # Words are joined by a case change or a separator (`V2Platform`, `jinja2_ext`); a run of letters
    # broken only by a block of digits (`abcdefabcd1234abcdefabcd`) is not a name.
    return _WORD_JOIN_RE.search(value) is not None


def is_not_token_shaped(c: Candidate) -> bool:
    """For `shape = "token"` rules: under a `*_key` or `*TOKEN` name, only a generated-looking value counts.

    A generated token mixes letters and digits inside one run (`a1B2...`), or is a
    long hex or digit string. Words joined by dashes (`release-2024-prod`),
    versions and file names are what such keys also hold in ordinary code.
    """
    if c.rule.shape != "token":
        return False
    value = c.secret.strip(b"\"'`")
    # A version string is short; `v1.0-<170 hex>` is a Cloudflare Origin CA key, not release v1.0.
    version = len(value) <= 64 and _VERSION_RE.match(value) is not None
    if _FILE_NAME_RE.search(value) or version or _WORDS_RE.match(value) or _is_wordy(value):
        return True
    if value[:4].lower() == b"arn:" or _SELF_DESCRIBING_RE.search(value):
        return True  # an AWS resource name; `VERYLONGSECRET...` says what it stands for
    if _HEX_RE.match(value) or (value.isdigit() and len(value) >= 16):
        return False
    return not any(
        len(part) >= _MIN_MIXED_PART and _MIXED_PART_RE.search(part) for part in _SEPARATORS_RE.split(value)
    )


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
    if not c.rule.generic or c.key is None:
        return False
    key = c.key.strip(b"\"'")
    if key[:1] == b"@" or b"/" in key:
        return True  # `"@aws-sdk/credential-provider-node": ...`: a package or a path, not a name
    named = key + b" " + c.line[max(0, c.line.find(key) - 8) : c.line.find(key) + 1]  # `GPG key:` in prose
    if _KEY_MATERIAL_RE.search(named) and not _PRIVATE_WORD_RE.search(named):
        return True  # `GPG key: <fingerprint>`, `VAPID_KEY`: public key material unless it says private
    return _NOT_SECRET_KEY_WORDS_RE.search(key) is not None


_LEET = (bytes.maketrans(b"@4310$5!7", b"aaeiossit"), bytes.maketrans(b"@4310$5!7", b"aasiossit"))
_TEST_WORD_RE = _lazy(rb"(?i)(?:^|[^a-z])(?:test|testing|example|sample|dummy|fake|demo)(?:$|[^a-z])")


def is_self_describing_password(c: Candidate) -> bool:
    """`MySekretPa$$word`, `This-is-my-test-99!`, `VERYLONGSECRET...`: a value that spells out what it is."""
    lowered = c.secret.lower()
    # No provider token spells these words, so this holds for every rule: `someuser:somepassword@`.
    if any(word in lowered.translate(table) for table in _LEET for word in (b"password", b"passwd")):
        return True
    if not c.rule.generic:
        return False
    if any(word in c.secret for word in (b"SECRET", b"PASSWORD", b"TOKEN")):
        return True
    if _SPELLED_NAME_RE.match(c.secret) and _SPELLED_WORD_RE.search(c.secret):
        return True  # `useraccesstoken123`, `my-api-key-1`: lower-case words that name what they stand for
    if _CAMEL_NAME_RE.match(c.secret) and _CAMEL_WORDS.intersection(_CAMEL_HUMP_RE.findall(c.secret)):
        return True  # `base64EncodedKey`, `yourApiToken`: a camelCase name whose words say what goes there
    if len(c.secret) < 20 and any(b"secret" in lowered.translate(table) for table in _LEET):
        return True  # `s00pers3cret`, `mysecret123`: what documentation types as a password
    if _TEST_MODE_TOKEN_RE.match(c.secret) and shannon_entropy(c.secret) >= 4.0:
        return False  # `pk_test_<random>`: a provider's test-mode key still opens the account's API
    return _TEST_WORD_RE.search(c.secret) is not None


_TEST_MODE_TOKEN_RE = _lazy(rb"^(?:[a-z]{2,6}_)?test_[A-Za-z0-9_-]{20,}$")


_SPELLED_NAME_RE = _lazy(rb"^[a-z]+(?:[-_][a-z]+)*[-_]?\d{0,6}$")
_SPELLED_WORD_RE = _lazy(rb"token|secret|passw|passphrase|apikey|api[-_]key|credential")
_CAMEL_NAME_RE = _lazy(rb"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+){1,5}$")
_CAMEL_HUMP_RE = _lazy(rb"[A-Z][a-z]+")
_CAMEL_WORDS = frozenset(
    (b"Key", b"Token", b"Secret", b"Password", b"Passphrase", b"Credential", b"Credentials")
)
_SNAKE_NAME_RE = _lazy(rb"^_*[a-z][a-z0-9]*(?:_[a-z0-9]+)+_*$")
_UPPER_WORD_RE = _lazy(rb"^[A-Z][A-Z0-9]{1,9}$")


_TOKENISH_KEY_RE = _lazy(rb"(?i)token|key|secret|auth|credential")
_PASSWORDISH_KEY_RE = _lazy(rb"(?i)pass|pwd|phrase")
_MIN_TOKEN_LENGTH = 12


def is_too_short_for_a_token(c: Candidate) -> bool:
    """`'refresh_token': 'newtoken123'`, `apiKey: '12345-abcde'`: issued tokens are longer than that.

    Passwords can be short, so a name that says password keeps its short value.
    """
    if not c.rule.generic or c.key is None:
        return False
    if c.rule.id == "env-file-generated-value" and len(c.secret.strip(b"\"'")) < 16:
        # In a dotenv file a short value counts only under a credential name (`UCLASSIFY_KEY=...`).
        return _CREDENTIAL_TAIL_RE.search(c.key) is None
    if _PASSWORDISH_KEY_RE.search(c.key) or not _TOKENISH_KEY_RE.search(c.key):
        return False
    return len(c.secret.strip(b"\"'")) < _MIN_TOKEN_LENGTH


_TEST_PATH_RE = _lazy(
    rb"(?:^|/)(?:tests?|__tests__|specs?|fixtures?|testdata|test-data|mocks?|__mocks__)/"
    rb"|(?:^|/)test_[^/]*$|[_-]tests?\.[^/]+$|\.(?:test|spec)\.[^/]+$|(?:Test|Tests|Spec)\.[A-Za-z]+$"
    rb"|(?:^|/)tests?(?:-[^/]*)?\.[^/]+$"  # `tests.py`, `test.js`, `tests-cookbook.py` (and their .pyc)
)


def is_in_test_file(c: Candidate) -> bool:
    """`tests/test_auth.py`, `client.spec.ts`, `testdata/`: fixtures hold made-up credentials.

    Only rules that say `in_tests = "notice"` step back, and only to a notice: context rules, password
    hashes (a test suite hashes sample passwords by the hundred) and private keys (made for the fixture).
    A provider token in a test still blocks, and a real password pasted into a fixture is still shown.
    """
    return c.rule.in_tests == "notice" and _TEST_PATH_RE.search(c.path) is not None


_DOCTEST_LOOKBACK = 40  # lines; a transcript's output is rarely longer, and the walk stays bounded
_DOCTEST_LOOKBACK_BYTES = 16_384


def is_doctest_example(c: Candidate) -> bool:
    """`>>> client_secret = 'secret'` and the output printed under it: a REPL transcript in a docstring or
    a README shows what a call looks like, and its values are typed for the reader.

    A transcript block runs from a `>>>` prompt to the next blank line, as in Python's doctest. Only
    context rules and password hashes step back: a provider token pasted into a transcript is still live.
    """
    # Context rules and password hashes: a hash printed under `>>> ph.hash("...")` is the README's output.
    if not (c.rule.generic or c.rule.in_tests == "skip") or not c.data:
        return False
    end = c.offset
    floor = max(0, c.offset - _DOCTEST_LOOKBACK_BYTES)  # searching back over a 1 MB line per match: quadratic
    for _ in range(_DOCTEST_LOOKBACK):
        start = c.data.rfind(b"\n", floor, end) + 1
        if start == 0 and floor > 0:
            return False  # no prompt within reach
        text = c.data[start:end].strip()
        if text.startswith(b">>>"):
            return True
        if not text and end != c.offset:
            return False  # a blank line ends the transcript block
        if start == 0:
            return False
        end = start - 1
    return False


def is_test_vector(c: Candidate) -> bool:
    """`$2b$12$...` in `passlib/tests/test_handlers.py`: a hash of a sample password, one of hundreds that
    check a hashing library. Only rules that say `in_tests = "skip"` (password hashes) drop out here."""
    return c.rule.in_tests == "skip" and _TEST_PATH_RE.search(c.path) is not None


_SAMPLE_WORD_RE = _lazy(rb"(?i)(?:^|[^A-Za-z0-9])(?:samples?|examples?|tests?|dummy)(?:[^A-Za-z0-9]|$)")


def is_sample_hash(c: Candidate) -> bool:
    """`# sample hash:` above a bcrypt string, `verify("test", "$1$test$...")`: a hash shown as an example
    or a self-test of a hashing routine, said so on its own line or the line above."""
    if c.rule.in_tests != "skip":
        return False
    return _SAMPLE_WORD_RE.search(c.line) is not None or _SAMPLE_WORD_RE.search(c.prev_line) is not None


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


# A character class with a range, then a quantifier: `[a-zA-Z0-9\-._~+/]+={0,2}` is a pattern, not a value.
_REGEX_CLASS_RE = _lazy(rb"\[\^?[^\]]*[A-Za-z0-9]-[A-Za-z0-9][^\]]*\](?:[+*?]|\{[0-9])")


def is_regex_pattern(c: Candidate) -> bool:
    """`const token68Match = '[a-zA-Z0-9\\-\\._~+/]+={0,2}'`: a regular expression that describes tokens."""
    return c.rule.generic and _REGEX_CLASS_RE.search(c.secret) is not None


def is_code_constant_name(c: Candidate) -> bool:
    """`TOKEN = "_password_reset_token"`, `token_source = "POST"`: in source code, a name or an enum word."""
    if not c.rule.generic or not c.quoted:
        return False
    ext = c.path.rsplit(".", 1)[-1].lower() if "." in c.path.rsplit("/", 1)[-1] else ""
    if ext not in CODE_EXTENSIONS:
        return False
    return _SNAKE_NAME_RE.match(c.secret) is not None or _UPPER_WORD_RE.match(c.secret) is not None


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


_EXAMPLE_FILE_RE = _lazy(rb"(?i)(?:^|[._-])(?:examples?|samples?|templates?|dist|defaults)(?:[._-]|$)")


def is_example_file(c: Candidate) -> bool:
    """`.env.example`, `examples-1.json`, `config.sample.yaml`: a file named as holding example values.

    Only context rules step back here. A provider token with its own prefix is still
    reported in such a file, because pasting a real key into a template is a classic leak.
    """
    if not c.rule.generic:
        return False
    name = c.path.rsplit("/", 1)[-1].encode("utf-8", "surrogateescape")
    if _EXAMPLE_FILE_RE.search(name) is None:
        return False
    if _is_env_template(c.path):
        # A dotenv template's job is to hold placeholders, which the value filters recognise: only a value
        # made of words (`postgres`, `replace_with_a_random_string`) steps back here. A generated-looking
        # one is the classic `cp .env.production .env.example`, and blocks.
        return _WORDS_RE.match(c.secret.strip(b"\"'")) is not None
    return True


_WORDS_RE = _lazy(rb"^(?:[a-z]+(?:[-_. ][a-z]+)*|[A-Z]+(?:[-_. ][A-Z]+)*)$")


_PASSWORDISH_RE = _lazy(rb"(?i)pass|pwd|secret")


def is_comparison_outside_passwords(c: Candidate) -> bool:
    """`if token == "#bygroup"` compares lexer tokens; `if password == "..."` is a hard-coded login."""
    if not c.rule.generic or c.key is None or _PASSWORDISH_RE.search(c.key):
        return False
    return _is_compared(c.key, c.line)


def _is_compared(key: bytes, line: bytes) -> bool:
    """`key == "..."`, `key !== '...'`: the line compares the name with the value instead of assigning it."""
    return _followed_by(line, key, _COMPARISON_TAIL)


def is_literal_constant(c: Candidate) -> bool:
    """Booleans, numbers, versions and dependency ranges (`>=3.972.0 <4`), dates, colours."""
    if not c.rule.generic:
        return False
    if _TYPE_EXPR_RE.match(c.secret) or _MARKED_TYPE_RE.match(c.secret):
        return True  # `"Optional[str]"`, `"List[V1ObjectReference]"`, `'?string'`: a type annotation
    if c.secret[:4].lower() == b"urn:":
        return True  # `urn:oasis:names:tc:SAML:2.0:assertion`: a name in a registry, public by design
    return _LITERAL_RE.match(c.secret) is not None or (
        c.secret[:1] in b"<>=~^" and _RANGE_RE.match(c.secret) is not None
    )


def is_below_entropy(c: Candidate) -> bool:
    return c.rule.entropy is not None and shannon_entropy(c.secret) < c.rule.entropy


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
    return c.rule.generic and c.key is not None and _PASSWORDISH_KEY_RE.search(c.key) is not None


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
    return m is not None and m.group("core").translate(_LEET[0]) in _WEAK_CORES


# Translation catalogues. A directory that holds them, or a file named after a language (`es.yml`,
# `de.json`, `pt_BR.po`, `messages_fr.properties`, `Localizable.strings`, `strings.xml`, `app_de.arb`).
_LOCALE_DIRS = frozenset(
    "locale locales i18n l10n lang langs languages translations translation lc_messages intl".split()
)
_LOCALE_EXTENSIONS = frozenset("po pot arb xliff xlf strings stringsdict ftl".split())
# ISO 639-1 codes: a two-letter base name that is not one (`db.yml`, `ci.yml`, `s3.json`) is configuration.
_LANGUAGE_CODES = frozenset(
    "aa ab af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy"
    " da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht"
    " hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky"
    " la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny"
    " oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss"
    " st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo"
    " za zh zu".split()
)
_LOCALE_NAME_RE = _lazy(
    rb"(?i)^(?:[a-z0-9-]+[._])*?(?P<lang>[a-z]{2})(?:[-_][a-z]{2,4}|[-_][a-z]{4}[-_][a-z]{2})?"
    rb"\.(?:json|ya?ml|properties|js|mjs|cjs|ts|toml|ini|php|xml|resx|lua|rb)$"
)
_PROPERTIES_BUNDLE_RE = _lazy(
    rb"(?i)^(?:messages|strings|labels|resources?|texts?|ui)(?:_[a-z]{2}(?:_[a-z]{2})?)?\.properties$"
)
# Letters of any script, spaces, the punctuation of sentences, and the slots a catalogue fills in.
_SLOT_RE = _lazy(rb"%\{[^{}\r\n]{0,40}\}|\{\{?[^{}\r\n]{0,40}\}\}?|%(?:\d\$)?[sd@]|\$\{[^{}\r\n]{0,40}\}")
_LABEL_PUNCTUATION = frozenset(
    " .,:;!?'\u2019\u2018\u201c\u201d\"-\u2013\u2014()\u2026\u00bf\u00a1\u00ab\u00bb&/\u00a0"
)


def _natural_words(value: bytes) -> list[str] | None:
    """The words of a UI label (`Contraseña`, `Passwort eingeben`, `Пароль`), or None when the value has a
    digit, a symbol, or a word shaped like generated text (`xQzTrbWkeP`: case changes inside a word)."""
    text = _SLOT_RE.sub(b" ", value).decode("utf-8", "replace")
    if "\ufffd" in text or not text.strip():
        return None
    words: list[str] = []
    for word in text.split():
        core = "".join(ch for ch in word if ch not in _LABEL_PUNCTUATION)
        if not core:
            continue
        if any(not ch.isalpha() for ch in core):
            return None
        if not (core.islower() or core.isupper() or (core[:1].isupper() and core[1:].islower())):
            return None  # `PassWord`, `aBcD`: not how a language writes a word
        words.append(core)
    return words or None


def is_locale_file_label(c: Candidate) -> bool:
    """`password: "Contraseña"` in `es.yml`, `"passwordHint": "Passwort eingeben"` in `de.json`: a translated
    label in a translation catalogue, found by its path. Generic rules only; a value with digits or a
    generated-looking shape still counts there (a token pasted into a catalogue is still a token)."""
    if not c.rule.generic:
        return False
    path = c.path.replace("\\", "/")
    parts = path.lower().split("/")
    name = parts[-1]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    locale_path = (
        ext in _LOCALE_EXTENSIONS
        or any(p in _LOCALE_DIRS or p.endswith(".lproj") or p.startswith("values-") for p in parts[:-1])
        or name == "strings.xml"
        or _PROPERTIES_BUNDLE_RE.match(name.encode()) is not None
    )
    if not locale_path:
        m = _LOCALE_NAME_RE.match(name.encode("utf-8", "surrogateescape"))
        locale_path = m is not None and m.group("lang").decode().lower() in _LANGUAGE_CODES
    if not locale_path:
        return False
    words = _natural_words(c.secret)
    return words is not None and all(_spoken(w) for w in words)


_SPOKEN_CONSONANTS_RE = _lazy(rb"[^aeiouy]{6,}")


def _spoken(word: str) -> bool:
    """A word a language could hold: another script, an acronym, or Latin letters with a vowel and no six
    consonants in a row (German `Passwortschutz` has five; `kqzxwjvbtrpl` has no vowel)."""
    if not word.isascii() or word.isupper() or len(word) < 3:
        return True
    lowered = word.lower().encode()
    return any(ch in b"aeiouy" for ch in lowered) and _SPOKEN_CONSONANTS_RE.search(lowered) is None


def is_natural_language_word(c: Candidate) -> bool:
    """`"Contraseña"`, `"Mot de passe"`, `"Пароль"` anywhere: words written with a language's own letters
    (accents, Cyrillic, Greek...) are a label, not a credential. Generic rules only, and only when a letter
    outside ASCII is there: an ASCII word under a password name may be the password."""
    if not c.rule.generic or c.secret.isascii():
        return False
    words = _natural_words(c.secret)
    return words is not None and any(not w.isascii() for w in words)


Predicate = Callable[[Candidate], bool]

# Order is cheapest-and-most-decisive first; the first that fires names the reason.
FILTERS: tuple[tuple[str, Predicate], ...] = (
    ("inline-allow", is_inline_allowed),
    ("vendor-example", is_vendor_example),
    ("test-vector", is_test_vector),
    ("sample-signed-jwt", is_sample_signed_jwt),
    ("sample-hash", is_sample_hash),
    ("reserved-example-host", is_reserved_example_host),
    ("placeholder", is_placeholder),
    ("example-file", is_example_file),
    ("sample-userinfo", is_sample_userinfo),
    ("badge-token", is_badge_token),
    ("reference", is_reference),
    ("code-identifier", is_code_identifier),
    ("regex-pattern", is_regex_pattern),
    ("prose-word", is_prose_word),
    ("prose-or-path", is_prose_or_path),
    ("locale-file-label", is_locale_file_label),
    ("natural-language-word", is_natural_language_word),
    ("type-union", is_type_union),
    ("type-declaration", is_type_declaration),
    ("identifier-value", is_identifier_value),
    ("conditional-branch", is_conditional_branch),
    ("sigv4-scope", is_sigv4_scope),
    ("non-secret-key", is_non_secret_key),
    ("fixture-or-error-key", is_fixture_or_error_key),
    ("too-short-for-a-token", is_too_short_for_a_token),
    ("literal-constant", is_literal_constant),
    ("uuid-outside-secret-context", is_uuid_outside_secret_context),
    ("commit-id-outside-secret-context", is_commit_id_outside_secret_context),
    ("key-echo", is_key_echo),
    ("doctest-example", is_doctest_example),
    ("public-or-structural-key", is_public_or_structural_key),
    ("not-token-shaped", is_not_token_shaped),
    ("self-describing-password", is_self_describing_password),
    ("code-constant-name", is_code_constant_name),
    ("comparison-outside-passwords", is_comparison_outside_passwords),
    ("repeated-or-sequential", is_repeated_or_sequential),
    ("in-test-file", is_in_test_file),
    ("low-entropy", is_below_entropy),
)


# Filters that call a value made up. A weak password trips them too, and is a notice instead
# unless a filter outside this group (a reference, a code identifier...) also fires.
_MADE_UP = frozenset(
    {"placeholder", "sample-userinfo", "self-describing-password", "prose-word", "prose-or-path"}
)


# Filters that judge a value's shape (a number, a word, too little entropy). A run of the alphabet or
# of the digits under a credential name trips them, and is a placeholder notice instead
# (`API_KEY=1234567890...`): the slot is real even if this value is not, so the team sees it unblocked.
_SHAPE = frozenset({"literal-constant", "prose-word", "not-token-shaped", "low-entropy"})


def why_not_secret(c: Candidate) -> str | None:
    reason = _first_verdict(c)
    if reason in _MADE_UP_NOTICES and is_in_test_file(c):
        # `passphrase="secret"`, `key = "000102...0f"` in a test: a fixture's sample, which a notice would
        # only repeat once per test. The weak password a deployment really uses lives outside its tests.
        return "sample-in-test-file"
    return reason


_MADE_UP_NOTICES = frozenset({"weak-password", "repeated-or-sequential"})


def _first_verdict(c: Candidate) -> str | None:
    weak = None
    for name, predicate in FILTERS:
        if weak is not None and name in (_MADE_UP if weak == "weak-password" else _SHAPE):
            continue
        if predicate(c):
            if name == "in-test-file" and weak is not None:
                return weak
            if name in _MADE_UP and weak is None and is_weak_password(c):
                weak = "weak-password"
                continue
            if name in _SHAPE and weak is None and c.key is not None and is_repeated_or_sequential(c):
                weak = "repeated-or-sequential"
                continue
            return name
    if weak == "weak-password" and _is_env_file(c.path) and not _is_env_template(c.path):
        return None  # DB_PASSWORD=hunter2 in .env.production: that is the deployed password, so it blocks
    return weak


def _is_env_file(path: str) -> bool:
    return dotenv.is_dotenv(path)  # the one definition `credgate files` uses too


def _is_env_template(path: str) -> bool:
    """`.env.example`, `app.env.sample`, `env.dist`: a dotenv file named as a template. Its values still
    count (a weak password there is a documented default, so a notice rather than a block)."""
    return dotenv.is_dotenv_template(path)
