"""Issue 15 item 2: other scanners' suppression words, and `credgate:allow=RULE` allowing the value."""

from __future__ import annotations

import pytest

from credgate import policy
from credgate.engine import filters
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import aws_pair, secret


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load(()))


def rule_ids(scanner: Scanner, text: str, path: str = "app.py") -> list[str]:
    return [f.rule_id for f in scanner.scan(text.encode(), path).findings if f.blocking]


@pytest.mark.parametrize(
    "marker",
    [
        "gitleaks:allow",
        "trufflehog:ignore",
        "kingfisher:ignore",
        "kingfisher:allow",
        "ggignore",
        "pragma: allowlist secret",
        "credgate:allow",
    ],
)
def test_each_scanner_marker_allows_its_line_only(scanner: Scanner, marker: str) -> None:
    token = secret("%%github:ghp_%%")
    other = secret("%%github:ghp_%%")
    text = f"T = '{token}'  # {marker}\nU = '{other}'\n"
    found = scanner.scan(text.encode(), "app.py").findings
    assert [(f.rule_id, f.line) for f in found] == [("github-pat", 2)]
    assert any(
        r == ("github-pat", 1, "inline-allow") for r in scanner.scan(text.encode(), "app.py").suppressed
    )


def test_a_different_word_does_not_allow(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    for word in ("gitleaks:deny", "kingfisher", "gg-ignore", "credgate allow", "trufflehog: ignore"):
        assert rule_ids(scanner, f"T = '{token}'  # {word}\n") == ["github-pat"], word


def test_allow_for_one_rule_allows_the_value_for_every_rule_on_the_line(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    # The provider rule wins over the generic one; allowing it must not let the generic rule report it.
    assert rule_ids(scanner, f'password = "{token}"\n') == ["github-pat"]
    assert rule_ids(scanner, f'password = "{token}"  # credgate:allow=github-pat\n') == []
    assert rule_ids(scanner, f'api_token = "{token}"  # credgate:allow=github-pat\n') == []
    key_id, key = aws_pair()
    text = f'aws_secret_access_key = "{key}"  # credgate:allow=aws-secret-access-key\nid = "{key_id}"\n'
    assert "aws-secret-access-key" not in rule_ids(scanner, text)
    assert not [r for r in rule_ids(scanner, text) if r.startswith("generic")]


def test_allow_for_one_rule_does_not_allow_another_value_on_the_line(scanner: Scanner) -> None:
    token, other = secret("%%github:ghp_%%"), secret("%%github:ghp_%%")
    text = f"a, b = '{token}', '{other}'  # credgate:allow=slack-bot-token\n"
    assert rule_ids(scanner, text) == ["github-pat", "github-pat"]
    # The allowed value's own line only: the same value on the next line still blocks.
    text = f"A = '{token}'  # credgate:allow=github-pat\nB = '{token}'\n"
    assert [f.line for f in scanner.scan(text.encode(), "app.py").findings] == [2]


def test_marker_reason_and_marker_on() -> None:
    assert filters.marker_reason(b'x  # credgate:allow reason="public demo key"') == "public demo key"
    assert filters.marker_reason(b"x  # credgate:allow reason='docs'") == "docs"
    assert filters.marker_reason(b"x  # credgate:allow") == ""
    assert filters.marker_on(b"x # gitleaks:allow") == "gitleaks:allow"
    assert filters.marker_on(b"x # credgate:allow-next-line") == ""
    assert filters.marker_on(b"x", b"# credgate:allow-next-line") == "credgate:allow-next-line"
    assert filters.allow_marker_ids(b"# credgate:allow=a,b credgate:allow") == [frozenset({"a", "b"}), None]


def test_next_line_markers_are_one_list_with_the_gates() -> None:
    assert set(policy._MARKERS) == {m.decode() for m in filters.NEXT_LINE_MARKERS}
    for marker, disarmed in policy._MARKERS.items():
        assert len(marker) == len(disarmed) and marker != disarmed
        assert filters.marker_on(b"x", disarmed.encode()) == ""


def test_a_marker_inside_the_value_itself_allows_nothing(scanner: Scanner) -> None:
    from credgate.engine.filters import Candidate, is_inline_allowed
    from credgate.engine.rules import load as load_rules

    rule = next(r for r in load_rules(()).rules if r.id == "github-pat")
    value = b"ghp_" + b"ggignore" + bytes(range(65, 65 + 26)) + b"42"  # built here: no token literal
    line = b"T = '" + value + b"'"
    assert not is_inline_allowed(Candidate(rule, value, line, b"", "a.py"))
    assert is_inline_allowed(Candidate(rule, value, line + b"  # ggignore", b"", "a.py"))
