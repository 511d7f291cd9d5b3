"""Nothing the gate reads can stall it: patterns on scanned content are linear, work per line is capped."""

from __future__ import annotations

import ast
import importlib
import pathlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credgate.engine import filters, linear, validate
from credgate.engine.filters import Candidate, prose, text
from credgate.engine.rules import Rule, load
from credgate.engine.scanner import MAX_JUDGED_PER_LINE, Scanner
from tests.conftest import secret

ENGINE = pathlib.Path(filters.__file__).parent.parent
FILTER_MODULES = [
    importlib.import_module(f"credgate.engine.filters.{p.stem}")
    for p in sorted(pathlib.Path(filters.__file__).parent.glob("*.py"))
]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def _timed(scanner: Scanner, data: bytes, path: str = "app.py") -> float:
    start = time.perf_counter()
    scanner.scan(data, path)
    return time.perf_counter() - start


# Each of these ran for a minute or more on Python's backtracking `re` (issue 13).
PATHOLOGICAL_LINES = {
    "spaced words": b'password = "' + b"a  " * 16 + b'1"\n',
    "camel words": b'API_KEY = "ab' + b"Xxxx999" * 14 + b'-"\n',
    "prose words": b'secret = "' + b"ab " * 40 + b'!"\n',
    "dotted words": b'token = "' + b"a." * 40 + b'!"\n',
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL_LINES))
@pytest.mark.parametrize("path", ["app.py", ".env", "notes.txt", "config.yaml"])
def test_backtracking_lines_are_judged_at_once(scanner: Scanner, name: str, path: str) -> None:
    assert _timed(scanner, PATHOLOGICAL_LINES[name], path) < 1.0


def test_the_backtracking_patterns_themselves_are_linear() -> None:
    # The two filter patterns behind the examples, fed the inputs that made `re` backtrack.
    start = time.perf_counter()
    assert prose._PROSE_RE.match(b"a  " * 5000 + b"1") is None
    assert text.WORDS_RE.match(b"ab" + b"Xxxx999" * 5000 + b"-") is None
    assert time.perf_counter() - start < 0.5


# Bounds are loose (CI machines are shared and slow): they tell seconds from the minutes these took before.
def test_a_megabyte_of_repeated_assignments_scans_in_a_second_or_two(scanner: Scanner) -> None:
    data = b'password="' * 100_000  # 1 MB on one line: a minute on the old filters
    assert _timed(scanner, data) < 5.0
    lines = b'password="' * 10 + b"\n"
    assert _timed(scanner, lines * 2_000) < 5.0  # 200 KB over 2,000 lines, each judged on its own


def test_a_line_of_many_different_values_is_capped_and_fails_closed(scanner: Scanner) -> None:
    values = [b'"Qx7%dzRk"' % i for i in range(3 * MAX_JUDGED_PER_LINE)]
    data = b"".join(b"password=" + v + b" " for v in values) + b"\n"
    start = time.perf_counter()
    result = scanner.scan(data, "settings.cfg")
    assert time.perf_counter() - start < 3.0
    unjudged = [f for f in result.findings if "not judged" in f.note]
    # Past the budget nothing is dropped: every further value is reported, blocking, and says why.
    assert len(result.findings) == len(values)
    assert len(unjudged) == len(values) - MAX_JUDGED_PER_LINE
    assert all(not f.advisory for f in unjudged)


def test_the_cap_does_not_hide_a_token_after_the_budget(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    filler = b"".join(b'password="Qx7%dzRk" ' % i for i in range(2 * MAX_JUDGED_PER_LINE))
    result = scanner.scan(filler + b"token=" + token.encode() + b"\n", "settings.cfg")
    assert any(f.secret == token.encode() for f in result.findings)


def test_repeated_values_on_one_line_keep_one_verdict(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%").encode()
    line = b" ".join([b'x = "' + token + b'"'] * 50) + b"\n"
    result = scanner.scan(line, "app.py")
    assert len(result.findings) == 50
    assert {f.rule_id for f in result.findings} == {"github-pat"}


_SIZES = st.sampled_from([64, 1024, 16 * 1024, 64 * 1024]) | st.integers(1, 64 * 1024)
_KEYS = st.sampled_from([b"password", b"secret", b"API_KEY", b"auth_token", b"db.passwd"])
_SEPARATORS = st.sampled_from([b" = ", b"=", b": ", b" => "])
_QUOTES = st.sampled_from([b'"', b"'", b""])
# A value made of one unit typed over and over: a short word (case runs, digits) and a gap (spaces,
# punctuation). `a  a  a ... 1` and `abXxxx999Xxxx999...-` are two of these; nested quantifiers over
# words and gaps are what made the old patterns backtrack.
_WORDS = st.binary(min_size=1, max_size=4).map(lambda b: bytes(b"aXx9"[c % 4] for c in b))
_GAPS = st.binary(max_size=3).map(lambda b: bytes(b"  \t-."[c % 5] for c in b))
_TAILS = st.sampled_from([b"1", b"-", b"!", b"", b"\xff", b"%s"])


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    key=_KEYS,
    sep=_SEPARATORS,
    quote=_QUOTES,
    word=_WORDS,
    gap=_GAPS,
    tail=_TAILS,
    small=st.integers(8, 200),
    size=_SIZES,
)
def test_any_line_up_to_64_kib_is_judged_in_bounded_time(
    key: bytes, sep: bytes, quote: bytes, word: bytes, gap: bytes, tail: bytes, small: int, size: int
) -> None:
    """A line of up to 64 KiB is judged in seconds, whatever it holds: the repeated value after a key
    name (short, as generic rules capture it, and long), and the whole assignment repeated over the
    line (`password="password="...`)."""
    scanner = _scanner()
    unit = word + gap
    lines = [
        key + sep + quote + (unit * (small // len(unit) + 1))[:small] + tail + quote,
        key + sep + quote + (unit * (size // len(unit) + 1))[:size] + tail + quote,
    ]
    assignment = key + sep + quote + unit + tail + quote + b" "
    lines.append((assignment * (size // len(assignment) + 1))[:size])
    for line in lines:
        for path in ("app.py", ".env.production", "notes.md"):
            assert _timed(scanner, line[: 64 * 1024] + b"\n", path) < 5.0, (line[:80], len(line), path)


_SHARED: list[Scanner] = []


def _scanner() -> Scanner:
    if not _SHARED:
        _SHARED.append(Scanner(load()))
    return _SHARED[0]


def _stdlib_regex_calls(source: str) -> list[int]:
    """Lines that use Python's backtracking `re` module."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "re" for a in node.names):
            found.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "re":
            found.append(node.lineno)
    return found


def test_the_engine_does_not_use_backtracking_regexes() -> None:
    # encoded.py keeps one stdlib pattern for lock files' walls of hashes: a single character class with a
    # bounded minimum (`[...]{24,}`), which cannot backtrack beyond 24 steps per byte. rules.py checks rule
    # ids with it, prefilter.py escapes keywords, prefilter_patterns.py reads counted repeats in rule regexes
    # (to widen them for Hyperscan and to loosen them for a cheap RE2 pre-check), and binary.py parses rule
    # regexes with its parser: none of them touches scanned content.
    allowed = {"encoded.py": 1, "rules.py": 1, "prefilter.py": 2, "prefilter_patterns.py": 2, "binary.py": 1}
    for module in sorted(ENGINE.rglob("*.py")):
        uses = _stdlib_regex_calls(module.read_text())
        assert len(uses) <= allowed.get(module.name, 0), (module.name, uses)


def test_every_filter_and_validator_pattern_compiles_on_re2() -> None:
    patterns = [
        value
        for module in (*FILTER_MODULES, validate)
        for value in vars(module).values()
        if isinstance(value, linear.Pattern)
    ]
    assert len(patterns) > 60
    for pattern in patterns:
        assert pattern._compiled() is not None  # RE2 rejects lookaround and backreferences here


def _generic_rules() -> list[Rule]:
    rules = [r for r in _scanner().ruleset.rules if r.generic]
    assert rules
    return rules


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    word=_WORDS,
    gap=_GAPS,
    tail=_TAILS,
    size=st.integers(8, 256) | st.integers(256, 4096),
    key=_KEYS,
    path=st.sampled_from(["app.py", ".env", "README.md", "values.yaml"]),
)
def test_every_filter_judges_any_value_in_bounded_time(
    word: bytes, gap: bytes, tail: bytes, size: int, key: bytes, path: str
) -> None:
    """The decoy filters on their own, fed values straight (no rule has to capture them first), for every
    context rule: each verdict comes at once. Context rules capture values of up to 600 bytes; 4 KiB
    leaves room. The old filters took seconds on 48 bytes of `a  a  a ...1`, doubling per word."""
    unit = word + gap
    value = (unit * (size // len(unit) + 1))[:size] + tail
    line = key + b' = "' + value + b'"'
    for rule in _generic_rules():
        candidate = Candidate(rule=rule, secret=value, line=line, prev_line=b"", path=path, key=key)
        start = time.perf_counter()
        filters.why_not_secret(candidate)
        assert time.perf_counter() - start < 1.0, (value[:60], len(value), rule.id, path)
