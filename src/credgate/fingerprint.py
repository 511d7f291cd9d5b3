"""The one place that decides what a finding's published fingerprint is (SARIF, baselines).

A fingerprint derived from the value lets a finding keep its identity when its line moves, but anyone
who reads it can test guesses against it: the salt is public (it has to be, for the fingerprint to be
stable), so a slow hash only slows a dictionary down. `Summer2024!` came back from a small dictionary
in about a second. So a value-derived fingerprint is published only for a value that cannot be
guessed; a guessable value gets a fingerprint of its rule and path, which holds nothing of the value.

Guessable, precisely: fewer than GUESS_BITS (80) bits by the smaller of two estimates.

- Structure: the value split into runs (words, digits, symbols, case changes), each run priced as an
  attacker's rules price it. A run that reads as a word costs 16 bits whatever its length (a 65,000-word
  dictionary with case variants); a year (1900-2099) 8 bits; other digits 3.3 bits each; symbols 5 bits
  each; letters that are no word 4.7 bits each (5.7 when both cases occur). `Summer2024!` is 29 bits.
- Repetition: the value's length times its Shannon entropy per character, so a repeated or
  sequential value (`abcabcabc...`) is priced by what it really holds.

80 bits is beyond any dictionary or brute-force attack on PBKDF2, even at a billion guesses a
second. A generated token of 20 random characters or more passes (a GitHub token: about 170 bits);
a human password, a passphrase of a few words, a short key id do not. The estimate errs towards
"guessable", which only costs stability (a location-bound fingerprint changes when the file is
renamed), never secrecy.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from credgate.engine.finding import Finding

GUESS_BITS = 80.0
_VALUE_SALT = b"credgate-fp-v1:"  # + rule id; unchanged, so existing value fingerprints stay valid
_LOCATION_SALT = b"credgate-fp-location-v1:"
_ITERATIONS = 20_000


def fingerprint(finding: Finding) -> str:
    """32 hex characters naming this finding across runs.

    For a value that cannot be guessed (see `guessable`): a salted PBKDF2 of the value under its rule,
    stable when the line or the file moves. For a guessable value: a hash of the rule and the path only,
    so the published string holds nothing a dictionary could test (two guessable values of one rule in
    one file share it).
    """
    if guessable(finding.secret):
        return location_fingerprint(finding.rule_id, finding.path)
    return value_fingerprint(finding.rule_id, finding.secret)


def bound_to_value(finding: Finding) -> bool:
    """Whether `fingerprint(finding)` is derived from the value (else from rule and path)."""
    return not guessable(finding.secret)


def value_fingerprint(rule_id: str, secret: bytes) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", secret, _VALUE_SALT + rule_id.encode(), _ITERATIONS)
    return digest[:16].hex()


def location_fingerprint(rule_id: str, path: str) -> str:
    material = _LOCATION_SALT + rule_id.encode() + b"\0" + path.encode("utf-8", "surrogateescape")
    return hashlib.sha256(material).digest()[:16].hex()


def guess_bits(secret: bytes) -> float:
    """An estimate of how many guesses (log2) find this value: the smaller of two estimates (see above)."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    n = len(secret)
    shannon = -sum(c / n * math.log2(c / n) for c in counts.values()) * n
    return min(shannon, _structure_bits(secret))


def guessable(secret: bytes) -> bool:
    return guess_bits(secret) < GUESS_BITS


def _structure_bits(value: bytes) -> float:
    from credgate.engine.filters.text import is_word as _is_word
    from credgate.engine.filters.text import segments as _segments

    mixed_case = any(65 <= ch <= 90 for ch in value) and any(97 <= ch <= 122 for ch in value)
    bits = 0.0
    for seg in _segments(value):
        first = seg[0]
        if 48 <= first <= 57:
            year = len(seg) == 4 and 1900 <= int(seg) <= 2099
            bits += 8.0 if year else 3.33 * len(seg)
        elif seg.isalpha() and seg.isascii():
            if len(seg) >= 3 and _is_word(seg):
                bits += 16.0
            else:
                bits += (5.7 if mixed_case else 4.7) * len(seg)
        else:
            bits += 5.0 * len(seg)
    return bits
