"""A rule's loosened regex (prefilter_patterns.loosen) is a superset of it: a text it rules out holds no
match, so the staged hook skips compiling costly generic rules without changing a finding."""

from __future__ import annotations

import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from credgate.engine.check import example_text
from credgate.engine.prefilter_patterns import loosen
from credgate.engine.rules import LOOSE_BELOW, load
from credgate.engine.scanner import Scanner
from tests.conftest import aws_pair, secret

WRAPS = (("", ""), ("# caf\u00e9\n", "\n# \u212a"), ("key = ", "\n"))


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    return options


def test_loosen_opens_bounded_repeats_and_keeps_their_lower_bounds() -> None:
    assert loosen(r"(?P<secret>[a-z]{16,600})x{0,40}y{1,64}", least=1) == r"(?P<secret>[a-z]{16,})x*y+"
    # Escapes, classes and exact counts are left alone; so is a pattern that saves too little.
    assert loosen(r"\{1,99\}[{1,99}]a{3}b{2,90}", least=1) == r"\{1,99\}[{1,99}]a{3}b{2,}"
    assert loosen(r"a{2,9}") is None
    assert loosen(r"\Qa{1,99}\E") is None


def test_every_rule_matches_its_examples_through_its_loosened_regex() -> None:
    ruleset = load()
    checked = 0
    for rule in ruleset.rules:
        loose = loosen(rule.regex) if rule.detector is None else None
        if loose is None:
            continue
        compiled = re2.compile(loose.encode(), _options())  # compiles: a rule is never left without a check
        for kind, templates in (("example", rule.examples), ("negative", rule.negative_examples)):
            for i, template in enumerate(templates):
                for head, tail in WRAPS:
                    data = (head + example_text(rule.id, kind, i, template) + tail).encode()
                    if rule.compiled.search(data) is not None:
                        assert compiled.search(data) is not None, (rule.id, kind, i)
                        checked += 1
    assert checked > 500


@settings(max_examples=300, deadline=None)
@given(
    low=st.integers(0, 20),
    extra=st.integers(0, 60),
    text=st.text(alphabet="ab=\"' \nxyz0123456789", max_size=120),
)
def test_the_loosened_regex_matches_wherever_the_regex_does(low: int, extra: int, text: str) -> None:
    pattern = f"(?:^|[ =])(?P<secret>[a-z0-9]{{{low},{low + extra}}})(?:\"|'|$)x{{0,{extra + 1}}}"
    loose = loosen(pattern, least=0)
    assert loose is not None
    data = text.encode()
    if re2.compile(pattern.encode(), _options()).search(data) is not None:
        assert re2.compile(loose.encode(), _options()).search(data) is not None


def test_rules_ruled_out_are_not_compiled_and_findings_are_unchanged() -> None:
    clean = b"def add(a, b):\n    key = compute(a)\n    return key + b\n" * 50
    fast = load()
    for rule in fast.rules:
        rule._compiled = None
    candidates = fast.candidates(clean.lower(), data=clean)
    kept = {r.id for r in candidates}
    ruled_out = {r.id for r in fast.candidates(clean.lower())} - kept
    assert "generic-token-assignment" in ruled_out  # `key = compute(a)` holds no 16-character value
    assert fast.by_id["generic-token-assignment"]._compiled is None

    key_id, key_secret = aws_pair()
    texts = [
        clean,
        f"api_key = '{secret('%%rand:base64:40%%')}'\n".encode(),
        f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key_secret}\n".encode(),
        f"token: {secret('%%github:ghp_%%')}\n".encode(),
    ]
    slow = load()
    for rule in slow.rules:
        rule._loose = False  # never loosened: every keyword candidate runs, as before
    for data in texts:
        got = Scanner(fast).scan(data, "app.py").findings
        want = Scanner(slow).scan(data, "app.py").findings
        assert [(f.rule_id, f.line, f.col) for f in got] == [(f.rule_id, f.line, f.col) for f in want]
    assert any(Scanner(fast).scan(t, "app.py").findings for t in texts[1:])


def test_a_loosened_regex_that_does_not_compile_leaves_the_rule_to_run() -> None:
    rule = load().by_id["generic-token-assignment"]
    rule._compiled, rule._loose = None, None
    rule.regex = rule.regex + "(?P<broken"  # the loosened form cannot compile either
    assert rule.may_match(b"nothing here") is True
    assert rule._loose is False


def test_large_texts_are_not_pre_checked() -> None:
    # Above LOOSE_BELOW scanning costs more than compiling: every keyword candidate runs, as before.
    line = b"def add(a, b):\n    key = compute(a)\n    return key + b\n"
    ruleset = load()
    small = line * 50
    large = line * (LOOSE_BELOW // len(line) + 1)
    assert "generic-token-assignment" not in {r.id for r in ruleset.candidates(small.lower(), data=small)}
    assert "generic-token-assignment" in {r.id for r in ruleset.candidates(large.lower(), data=large)}
