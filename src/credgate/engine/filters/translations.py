"""Translations: a label in a language's own words (`Contraseña`), in a translation catalogue or anywhere.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.filters.entry import GENERIC, Candidate, Example, Filter

_lazy = linear.compile


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


_SPOKEN_CONSONANTS_RE = _lazy(rb"[^aeiouy]{6,}")


def _spoken(word: str) -> bool:
    """A word a language could hold: another script, an acronym, or Latin letters with a vowel and no six
    consonants in a row (German `Passwortschutz` has five; `kqzxwjvbtrpl` has no vowel)."""
    if not word.isascii() or word.isupper() or len(word) < 3:
        return True
    lowered = word.lower().encode()
    return any(ch in b"aeiouy" for ch in lowered) and _SPOKEN_CONSONANTS_RE.search(lowered) is None


def is_locale_file_label(c: Candidate) -> bool:
    """`password: "Contraseña"` in `es.yml`, `"passwordHint": "Passwort eingeben"` in `de.json`: a translated
    label in a translation catalogue, found by its path. Generic rules only; a value with digits or a
    generated-looking shape still counts there (a token pasted into a catalogue is still a token)."""
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


def is_natural_language_word(c: Candidate) -> bool:
    """`"Contraseña"`, `"Mot de passe"`, `"Пароль"` anywhere: words written with a language's own letters
    (accents, Cyrillic, Greek...) are a label, not a credential. Generic rules only, and only when a letter
    outside ASCII is there: an ASCII word under a password name may be the password."""
    if c.secret.isascii():
        return False
    words = _natural_words(c.secret)
    return words is not None and any(not w.isascii() for w in words)


LOCALE_FILE_LABEL = Filter(
    name="locale-file-label",
    test=is_locale_file_label,
    scope=GENERIC,
    summary='A translated label in a translation catalogue (`password: "Contraseña"` in `es.yml`, '
    "`Passwort eingeben` in `de.json`, `.po`, `strings.xml`, `messages_fr.properties`), found by its "
    "path. A value with digits or a generated-looking shape still counts there.",
    positives=(
        Example('password: "Contraseña"', "config/locales/es.yml", "generic-password-assignment"),
        Example('"password": "Lösenord"', "i18n/sv.json", "generic-password-assignment"),
    ),
    negatives=(
        Example('password: "%%rand:alnum:11%%7"', "config/locales/es.yml", "generic-password-assignment"),
    ),
)

NATURAL_LANGUAGE_WORD = Filter(
    name="natural-language-word",
    test=is_natural_language_word,
    scope=GENERIC,
    summary='Words written with a language\'s own letters (`"Contraseña"`, `"Mot de passe"`, `"Пароль"`) '
    "anywhere: a label, not a credential. Only when a letter outside ASCII is there: an ASCII word under "
    "a password's name may be the password.",
    positives=(Example('password: "Contraseña"', "config/app.yml", "generic-password-assignment"),),
    negatives=(Example('password: "%%rand:alnum:11%%7"', "config/app.yml", "generic-password-assignment"),),
)
