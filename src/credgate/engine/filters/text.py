"""Measures several filter families share: entropy, words in a name, a value's neighbours in its line.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

import math
from collections import Counter

from credgate.engine import linear

_lazy = linear.compile


def shannon_entropy(data: bytes) -> float:
    if not data:
        return 0.0
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in Counter(data).values())


# Checks around a value found in its line: a search for the value plus one precompiled pattern. A regex
# built around each escaped value would cost a compile per candidate.
_COMPARISON_TAIL = rb"[\"'\]]?\s*[=!]==?"


_MAX_OCCURRENCES = 8
_MAX_NEEDLE = 256  # bytes; a longer value occurs only a few times in a window


def followed_by(line: bytes, needle: bytes, tail: bytes) -> bool:
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


def is_compared(key: bytes, line: bytes) -> bool:
    """`key == "..."`, `key !== '...'`: the line compares the name with the value instead of assigning it."""
    return followed_by(line, key, _COMPARISON_TAIL)


def has_word(text: bytes, word: bytes) -> bool:
    """`word` stands alone in `text`: no letter or digit right before or after it."""
    at = text.find(word)
    while at != -1:
        before, after = text[at - 1 : at] if at else b"", text[at + len(word) : at + len(word) + 1]
        if not (before.isalnum() and before.isascii()) and not (after.isalnum() and after.isascii()):
            return True
        at = text.find(word, at + 1)
    return False


_CONSONANT_RUN_RE = _lazy(rb"[^aeiouy]{5,}")
_WORD_JOIN_RE = _lazy(rb"[a-z][A-Z]|[^A-Za-z0-9]")


_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def segments(value: bytes) -> list[bytes]:
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


def is_word(seg: bytes) -> bool:
    """A lower-case or Capitalized run with a vowel and no five consonants in a row, as words are."""
    if len(seg) < 2 or not (seg.islower() or seg[1:].islower()):
        return False
    lowered = seg.lower()
    return any(ch in b"aeiou" for ch in lowered) and _CONSONANT_RUN_RE.search(lowered) is None


def is_wordy(value: bytes) -> bool:
    """`ServerlessV2PlatformVersions`, `jinja2_extensions`: mostly words of three letters or more.

    Generated text breaks into short case runs (`aB3dE5`), so little of it is covered by
    word-like segments; names made of words are almost all covered.
    """
    covered = digits = 0
    runs: list[int] = []
    for seg in segments(value):
        if seg[:1].isdigit():
            digits += len(seg)
        elif seg[:1].isalpha():
            runs.append(len(seg))
            if is_word(seg) or (seg.isupper() and 2 <= len(seg) <= 4):
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


# A value made of words, all lower or all upper case (`replace_with_a_random_string`, `RELEASE-PROD`).
WORDS_RE = _lazy(rb"^(?:[a-z]+(?:[-_. ][a-z]+)*|[A-Z]+(?:[-_. ][A-Z]+)*)$")


# Leetspeak read back into letters (`p@ssw0rd`); the second table reads `3` as `s` (`pa33word`), not `e`.
LEET = (bytes.maketrans(b"@4310$5!7", b"aaeiossit"), bytes.maketrans(b"@4310$5!7", b"aasiossit"))


PASSWORDISH_RE = _lazy(rb"(?i)pass|pwd|secret")


PASSWORDISH_KEY_RE = _lazy(rb"(?i)pass|pwd|phrase")


CREDENTIAL_TAIL_RE = _lazy(
    rb"(?i)(?:key|token|secret|passw(?:or)?d|pwd|tkn|auth|access|private|credentials?|creds)[\"']?$"
)


MEMBER_SPLIT_RE = _lazy(rb"\.|->|::")
