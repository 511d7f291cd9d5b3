"""The prefilter inside binaries: the byte-mode database of the rules' binary patterns never rules out a rule
RE2 would find something with, whatever bytes surround or split the match, and findings stay identical."""

from __future__ import annotations

import base64
import random

import pytest

from credgate.engine import prefilter
from credgate.engine.binary import binary_pattern
from credgate.engine.check import example_text
from credgate.engine.credfile_synth import credfile
from credgate.engine.prefilter import byte_superset
from credgate.engine.rules import Rule, RuleSet, load
from credgate.engine.scanner import Scanner, _in_binaries
from tests.conftest import secret

hyperscan = pytest.importorskip("hyperscan", reason="no hyperscan wheel on this platform: RE2 alone")

# Bytes a binary puts around (and, for atoms like `[^...]`, inside) a token: NULs, length bytes, invalid
# UTF-8, multi-byte characters that RE2's UTF-8 mode reads as one character (the Kelvin sign folds with `k`).
NOISE = (b"\x00", b"\x00\x01N", b"\xff\xfe", b"\xc3\xa9", b"\xe4\xb8\xad", b"\xe2\x84\xaa", b"\xc5\xbf", b" ")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("prefilter-binary-cache"))


def _ruleset(mode: str, cache: str, monkeypatch: pytest.MonkeyPatch) -> RuleSet:
    monkeypatch.setenv(prefilter.ENV, mode)
    return load(cache_dir=cache)


def _as_in_binaries(rule: Rule) -> object:
    """The pattern the scanner runs for this rule inside a binary."""
    return binary_pattern(rule) or rule.compiled


@pytest.mark.parametrize(
    ("pattern", "utf8", "expected"),
    [
        (
            r"\b(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
            True,
            r"\b(?P<secret>pat[A-Za-z0-9]+\.[a-f0-9]+)\b",
        ),
        (r"(?:^|[^A-Za-z0-9])x(?:[^A-Za-z0-9]|$)", True, r"(?:^|[^A-Za-z0-9]+)x(?:[^A-Za-z0-9]+|$)"),
        (r"a.?b\S[^x]{0,3}c", True, r"a.*b\S+[^x]*c"),
        (r"a.??b", True, r"a.*?b"),
        (r"[\S]x", True, r"[\S]+x"),
        (r"a[^x]b.c", False, r"a[^x]b.c"),  # Latin-1: one byte, one character already
        (r"(?i)(sk_live_[0-9a-z]{24})", False, r"(?i)(sk_live_[0-9a-z]+)"),
        (r"(?i)key", True, None),  # RE2 folds k into the Kelvin sign in UTF-8 mode
        (r"a\x41", True, None),
        (r"[[:alpha:]]x", False, None),
        (r"(?s)a.b", True, None),
        (r"caf\u00e9", False, None),
        (r"\pLx", True, None),
    ],
)
def test_byte_superset(pattern: str, utf8: bool, expected: str | None) -> None:
    assert byte_superset(pattern, utf8) == expected


def _cases(ruleset: RuleSet) -> list[tuple[Rule, bytes]]:
    """Every example of every rule that runs inside binaries, in noise, and with noise spliced inside it."""
    rng = random.Random(17)
    out = []
    for rule in ruleset.rules:
        if rule.detector is not None or not _in_binaries(rule):
            continue
        for i, template in enumerate(rule.examples):
            text = example_text(rule.id, "example", i, template).encode()
            for noise in NOISE:
                out.append((rule, noise * 3 + text + noise * 3))
                at = rng.randrange(len(text) + 1)
                out.append((rule, noise + text[:at] + noise + text[at:] + noise))
                # A byte of the text replaced by a multi-byte character: a `[^...]` or `.` takes it whole.
                if text:
                    out.append((rule, noise + text[:at] + noise + text[at + 1 :] + noise))
    return out


def test_the_binary_database_never_rules_out_a_match_of_re2(
    cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ruleset = _ruleset("hyperscan", cache, monkeypatch)
    pre = ruleset.prefilter()
    checked = ruled_out = 0
    for rule, data in _cases(ruleset):
        possible = pre.possible_in_binary(data)
        assert possible is not None
        if _as_in_binaries(rule).search(data) is not None:  # type: ignore[attr-defined]
            assert rule.id in possible, rule.id
            checked += 1
        elif rule.id not in possible:
            ruled_out += 1
    assert checked > 500 and ruled_out > 0


def test_the_binary_database_rules_out_rules_that_cannot_match(
    cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pre = _ruleset("hyperscan", cache, monkeypatch).prefilter()
    noise = bytes(range(256)) * 8 + b"\x00path\x00key\x00st.\x000.1\x00"
    possible = pre.possible_in_binary(noise)
    assert possible is not None
    assert "airtable-pat" not in possible and "github-pat" not in possible
    token = secret("%%github:ghp_%%").encode()
    assert "github-pat" in (pre.possible_in_binary(noise + token + b"N\x00") or ())


def _binaries() -> list[tuple[str, bytes]]:
    """Compiled-module-like files with tokens between constants, and decoys."""
    tokens = [
        secret("%%github:ghp_%%"),
        secret("%%npm%%"),
        "sk-ant-api03-" + secret("%%rand:base64url:93%%").replace("+", "a") + "AA",
        "AGE-SECRET-KEY-1" + secret("%%rand:hex:58%%").upper(),
    ]
    files = []
    for n, tok in enumerate(tokens):
        body = b"\x00\x01\x02N" + tok.encode() + b"\xe3N\x00" + bytes(range(256))
        files.append((f"lib/m{n}.pyc", b"\x0d\x0a\x00\x00" + body * 3))
        files.append((f"lib/m{n}.so", b"\x7fELF\x00" + "\u00e9".encode() + tok.encode() + b"\xc3\x00"))
    files.append(("lib/noise.so", b"\x7fELF\x00" + bytes(range(256)) * 64 + b"key token pat st. 0."))
    # A token in UTF-16 (a .NET assembly), and a DER key in base64 inside a binary and inside a large text.
    files.append(("bin/app.dll", b"MZ\x90\x00" + tokens[0].encode("utf-16-le") + b"\x00\x00" * 8))
    der = credfile(random.Random(5), "der-rsa")
    files.append(("bin/key.bin", b"\x00\x01" + base64.b64encode(der) + b"\x00"))
    filler = b"".join(b"line %d of ordinary text\n" % i for i in range(1200))
    files.append(("conf/big.yml", filler + b"key: " + base64.b64encode(der) + b"\n" + filler))
    return files


def test_the_gates_tell_which_raw_byte_passes_have_work(cache: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pre = _ruleset("hyperscan", cache, monkeypatch).prefilter()
    assert pre.gates(b"\x00\x01plain bytes\xff") == frozenset()
    assert pre.gates("a UTF-16 string, long".encode("utf-16-le")) == {"utf16"}
    der = credfile(random.Random(5), "der-rsa")
    assert pre.gates(b"x" + base64.b64encode(der)) == {"b64-file"}
    assert _ruleset("re2", cache, monkeypatch).prefilter().gates(b"\x00" * 64) is None


def test_both_backends_give_identical_findings_in_binaries(
    cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _binaries()
    fallback = _ruleset("re2", cache, monkeypatch)
    before = [
        (p, r.kind, r.findings, sorted(r.suppressed))
        for p, r in ((p, Scanner(fallback).scan(d, p)) for p, d in files)
    ]
    fast = _ruleset("hyperscan", cache, monkeypatch)
    after = [
        (p, r.kind, r.findings, sorted(r.suppressed))
        for p, r in ((p, Scanner(fast).scan(d, p)) for p, d in files)
    ]
    assert fast.prefilter()._hs_binary is not None and fallback.prefilter()._hs_binary is None
    assert after == before
    assert {kind for _, kind, _, _ in before} == {"binary", "text"}
    assert sum(len(f) for _, _, f, _ in before) >= 7
    assert {f.rule_id for _, _, found, _ in before for f in found} >= {"der-private-key"}


def test_an_atom_that_takes_a_whole_character_is_not_ruled_out(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RE2 (UTF-8 mode) reads `é` as one `[^a-z]` or `.`: two bytes, which a one-byte atom would not cover."""
    from credgate.engine.rules import parse_rule

    monkeypatch.setenv(prefilter.ENV, "hyperscan")
    rule = parse_rule(
        {
            "id": "demo-token",
            "name": "Demo token",
            "keywords": ["tk_"],
            "regex": r"\b(?P<secret>tk_[a-z]{4}[^a-z][0-9]{4}.[0-9]{2})",
            "hint": "rotate it",
            "confidence": "high",
        },
        "demo.toml",
    )
    ruleset = RuleSet([rule], str(tmp_path))
    assert binary_pattern(rule) is None  # a short prefix: its own regex (UTF-8 mode) runs in binaries
    data = b"\x00\x01tk_abcd" + "\u00e9".encode() + b"1234" + "\u4e2d".encode() + b"56\x00"
    assert rule.compiled.search(data) is not None
    assert "demo-token" in (ruleset.prefilter().possible_in_binary(data) or ())
    ruled_out = ruleset.prefilter().possible_in_binary(b"\x00tk_abcd_12\x00")
    assert ruled_out is not None and "demo-token" not in ruled_out
    found = Scanner(ruleset).scan(data, "lib/demo.so").findings
    assert [f.rule_id for f in found] == ["demo-token"]
