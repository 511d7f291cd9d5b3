"""Placeholders: values typed where a real one goes (`changeme`, `<TOKEN>`, `xxxx`), runs and sequences
made up by hand, and values below a rule's entropy floor.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from collections import Counter

from credgate.engine import linear
from credgate.engine.filters.entry import ALL, Candidate, Example, Filter
from credgate.engine.filters.text import LEET, shannon_entropy

_lazy = linear.compile


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


_DUNDER_RE = _lazy(rb"^__[a-z]+(?:_[a-z]+)*__$")


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
    if value.lower() in _PLACEHOLDER_WORDS or value.lower().translate(LEET[1]) in _PLACEHOLDER_WORDS:
        return True  # also `p@ss`, `passw0rd`
    if value.lower().strip(b"_*#[]<>()") in _PLACEHOLDER_WORDS:
        return True  # `__redacted__`, `[REDACTED]`, `**hidden**`: a placeholder word dressed up
    if _DUNDER_RE.match(value):
        return True  # `__generate__`, `__from_env__`: a sentinel that code replaces, in Python's dunder style
    if _is_x_filler(value):
        return True
    return _PLACEHOLDER_RE.search(value) is not None


_INTERLEAVED_RE = _lazy(rb"(?i)a1b2c3d4|1a2b3c4d|abc123|123abc")


_SEQUENCES = (b"0123456789abcdefghijklmnopqrstuvwxyz", b"zyxwvutsrqponmlkjihgfedcba9876543210", b"qwertyuiop")


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


# A Basic credential is judged by its decoded password.
_BASIC_AUTH_RULES = frozenset({"http-authorization-basic"})


def is_repeated_or_sequential(c: Candidate) -> bool:
    """`abcdef0123456789`, `a1b2c3d4e5f6`, `aaaaaaab`: made up by hand (a notice, not blocking).

    A Basic credential is judged by its decoded password: `basic <base64 of id:1234567890abcdef...>`.
    """
    value = c.secret
    if c.rule.id in _BASIC_AUTH_RULES:
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


def is_below_entropy(c: Candidate) -> bool:
    return c.rule.entropy is not None and shannon_entropy(c.secret) < c.rule.entropy


PLACEHOLDER = Filter(
    name="placeholder",
    test=is_placeholder,
    scope=ALL,
    summary="A value typed where the real one goes: a placeholder word (`changeme`, `your-api-key-here`, "
    "`<TOKEN>`, `[REDACTED]`, `xxxx`), the name of a value (`PRIMARY_ACCOUNT_JWT`), one character repeated, "
    "or a dunder sentinel (`__from_env__`).",
    positives=(
        Example('password: "changeme"', "config.yml", "generic-password-assignment"),
        Example(
            "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ci.env", "generic-token-assignment"
        ),
        Example('api_key = "<YOUR_API_KEY>"', "settings.py", "generic-password-assignment"),
    ),
    negatives=(Example('password: "%%rand:alnum:12%%7"', "config.yml", "generic-password-assignment"),),
    yields_to=("weak-password",),
)

REPEATED_OR_SEQUENTIAL = Filter(
    name="repeated-or-sequential",
    test=is_repeated_or_sequential,
    scope=ALL,
    verdict="notice",
    notice="looks like a placeholder (repeated or sequential characters)",
    summary="Made up by hand: a run of the alphabet or the digits (`abcdef0123456789`), interleaved "
    "(`a1b2c3d4`), mostly one character, a short unit typed over and over, or bytes counting up as test "
    "vectors write keys. Shown as a notice; under a credential name it also stands in for the value-shape "
    "filters, since the slot is real even if this value is not.",
    positives=(
        Example(
            "WEATHER_API_KEY=abcdef0123456789abcdef0123456789", "settings.ini", "generic-password-assignment"
        ),
        Example(
            "BUDDYNS_API_KEY=abcd1234abcd1234abcd1234abcd1234", "deploy.env", "generic-password-assignment"
        ),
    ),
    negatives=(Example("WEATHER_API_KEY=%%rand:alnum:32%%", "settings.ini", "generic-token-assignment"),),
    rule_ids=_BASIC_AUTH_RULES,
    stand_in=lambda c: c.key is not None and is_repeated_or_sequential(c),
)

LOW_ENTROPY = Filter(
    name="low-entropy",
    test=is_below_entropy,
    scope=ALL,
    summary="Below the rule's own entropy floor (`entropy = ...` in its rule file): too few different "
    "characters for a generated token of that format.",
    positives=(
        Example("ALGOLIA_ADMIN_KEY=3b1d0b2a1d3b0a2d3d1b0d2a1a3d0b2a", "deploy.env", "algolia-admin-key"),
    ),
    negatives=(Example("ALGOLIA_ADMIN_KEY=%%rand:hex:32%%", "deploy.env", "algolia-admin-key"),),
    yields_to=("repeated-or-sequential",),
)
