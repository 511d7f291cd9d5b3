"""credgate.baseline.keys: a high-entropy value is keyed by its hash, a weak one by its place only."""

from __future__ import annotations

from credgate.baseline.keys import value_key
from credgate.engine.finding import Finding
from tests.conftest import secret


def finding(value: str, rule: str = "github-pat") -> Finding:
    return Finding(rule, "name", "high", "high", "a.env", 1, 1, 1, "rotate it", "", secret=value.encode())


def test_a_strong_value_is_keyed_by_value_wherever_it_sits() -> None:
    token = secret("%%github:ghp_%%")
    key = value_key(finding(token), lambda: None)
    assert key is not None and key.startswith("v1:")
    assert value_key(finding(token), lambda: b"elsewhere") == key
    assert value_key(finding(token, "other-rule"), lambda: None) != key


def test_a_weak_value_is_keyed_by_its_place_and_never_by_its_value() -> None:
    weak = "hunter2"
    at_db = value_key(finding(weak), lambda: b"DB_PASSWORD=hunter2\n")
    assert at_db is not None and at_db.startswith("p1:")
    assert value_key(finding("other12"), lambda: b"DB_PASSWORD=other12\n") == at_db  # same place
    assert value_key(finding(weak), lambda: b"API_PASSWORD=hunter2\n") != at_db
    assert value_key(finding(weak), lambda: None) is None  # place unknown: no key, it blocks
