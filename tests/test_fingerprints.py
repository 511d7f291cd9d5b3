"""Published fingerprints (SARIF partialFingerprints, baseline entries) cannot be reversed by a dictionary."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import pytest

from credgate.commands import scan
from credgate.commands._options import Options
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from credgate.fingerprint import (
    GUESS_BITS,
    bound_to_value,
    fingerprint,
    guess_bits,
    location_fingerprint,
    value_fingerprint,
)
from tests.conftest import secret


def _dictionary() -> list[str]:
    """What a cracker tries first, built the way its rules build it: words, capitals, leetspeak, years and
    the symbols a password policy demands (1,000+ candidates, none written in this file)."""
    words = [
        "summer",
        "winter",
        "spring",
        "autumn",
        "welcome",
        "monkey",
        "dragon",
        "letmein",
        "sunshine",
        "football",
        "princess",
        "shadow",
        "master",
        "company",
        "database",
        "postgres",
        "admin",
        "qwerty",
        "baseball",
        "freedom",
    ]
    leet = str.maketrans("aeios", "43105")
    out = []
    years, tails = ["", "1", "123", "2023", "2024", "2025"], ["", "!", "#"]
    for word, year, tail in itertools.product(words, years, tails):
        for form in (word, word.capitalize(), word.capitalize().translate(leet)):
            out.append(form + year + tail)
    return sorted(set(out))  # fmt: skip


DICTIONARY = _dictionary()
# The passwords really committed: taken from the attacker's own dictionary, the worst case for the defence.
COMMITTED = DICTIONARY[::97]


def test_the_dictionary_is_the_size_the_issue_asks_for() -> None:
    assert len(DICTIONARY) >= 900 and len(COMMITTED) >= 10
    assert all(guess_bits(p.encode()) < GUESS_BITS for p in DICTIONARY)


def _leaky_tree(tmp_path: Path) -> Path:
    for n, password in enumerate(COMMITTED):
        (tmp_path / f"svc{n}").mkdir()
        (tmp_path / f"svc{n}" / ".env.production").write_text(f"APP=shop\nDB_PASSWORD={password}\n")
    return tmp_path


def _sarif_fingerprints(tree: Path) -> list[tuple[str, str, str]]:
    out = io.StringIO()
    scan.run([str(tree)], no_git=True, opts=Options(fmt="sarif", out=out, err=io.StringIO()))
    results = json.loads(out.getvalue())["runs"][0]["results"]
    return [(r["ruleId"], k, v) for r in results for k, v in r["partialFingerprints"].items()]


RULE = "generic-password-assignment"


def test_a_dictionary_attack_on_sarif_fingerprints_recovers_nothing(tmp_path: Path) -> None:
    published = _sarif_fingerprints(_leaky_tree(tmp_path))
    assert len(published) >= len(COMMITTED) - 1  # the weak passwords are reported (`Adm1n` is too short)
    assert {key for _, key, _ in published} == {"credgateLocation/v1"}
    assert sum(rule == RULE for rule, _, _ in published) >= len(COMMITTED) // 2
    # The attack: every candidate, as a value-derived fingerprint under the rule computes it (PBKDF2 with
    # the rule's public salt; one rule, since each guess costs 9 ms).
    table = {value_fingerprint(RULE, word.encode()): word for word in DICTIONARY}
    recovered = [table[fp] for _, _, fp in published if fp in table]
    assert recovered == []
    # The same attack against value-derived fingerprints finds every committed password: the test can fail.
    old_style = {value_fingerprint(RULE, pw.encode()) for pw in COMMITTED}
    assert {table[fp] for fp in old_style if fp in table} == set(COMMITTED)


def test_baseline_fingerprints_of_weak_passwords_hold_no_value() -> None:
    scanner = Scanner(load())
    reported = 0
    for password in COMMITTED:
        findings = scanner.scan(f"DB_PASSWORD={password}\n".encode(), "deploy/.env.production").findings
        if not findings:
            continue  # too short to be reported at all (`Adm1n`)
        [finding] = findings
        reported += 1
        assert not bound_to_value(finding)
        assert finding.fingerprint() == location_fingerprint(finding.rule_id, "deploy/.env.production")
        assert finding.fingerprint() != value_fingerprint(finding.rule_id, password.encode())
    assert reported >= len(COMMITTED) - 2


def test_a_generated_token_keeps_a_fingerprint_of_its_value() -> None:
    scanner = Scanner(load())
    token = secret("%%github:ghp_%%")
    [a] = scanner.scan(f"t = '{token}'\n".encode(), "a.py").findings
    [b] = scanner.scan(f"\n\n# moved\nu = '{token}'\n".encode(), "lib/b.py").findings
    assert bound_to_value(a) and guess_bits(token.encode()) > 150
    assert fingerprint(a) == fingerprint(b) == value_fingerprint("github-pat", token.encode())


def test_a_weak_password_is_bound_to_its_rule_and_path() -> None:
    scanner = Scanner(load())
    weak, other = "Monkey1", "spring2023"  # two candidates that the same rule reports
    assert {weak, other} <= set(DICTIONARY)
    [a] = scanner.scan(f"DB_PASSWORD={weak}\n".encode(), ".env.production").findings
    [b] = scanner.scan(f"# moved down\n\nDB_PASSWORD={other}\n".encode(), ".env.production").findings
    [c] = scanner.scan(f"DB_PASSWORD={weak}\n".encode(), "deploy/.env.production").findings
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)


@pytest.mark.parametrize(
    ("value", "guessable"),
    [
        ("%%rand:alnum:8%%", True),
        ("%%rand:alnum:16%%", True),  # 95 bits in truth, but too short for the estimate to be sure
        ("correct horse battery staple", True),  # four words: about 64 bits to a passphrase cracker
        ("%%rand:base64:40%%", False),
        ("%%rand:hex:32%%", False),
        ("%%github:ghp_%%", False),
    ],
)
def test_what_counts_as_guessable(value: str, guessable: bool) -> None:
    assert (guess_bits(secret(value).encode()) < GUESS_BITS) is guessable
