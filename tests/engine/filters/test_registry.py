"""engine/filters/__init__.py: the registry and the verdict."""

from __future__ import annotations

import re
from pathlib import Path

from credgate.engine import scanner
from credgate.engine.filters import BY_NAME, FILTERS, NOTICE_TEXT, Candidate, why_not_secret
from credgate.engine.filters.check import registry_problems
from credgate.engine.rules import load

HERE = Path(__file__).parent


def test_every_filter_has_a_positive_example_and_is_named_in_a_family_test() -> None:
    """A filter with no example, or one no test names, fails here: the family tests run each filter's
    examples through the scanner and check which filter judged them."""
    named: set[str] = set()
    for path in HERE.glob("test_*.py"):
        if path.name != "test_registry.py":
            named |= set(re.findall(r'"([a-z0-9-]+)"', path.read_text()))
    for f in FILTERS:
        assert f.positives, f"{f.name} has no positive example"
        assert f.name in named, f"{f.name} is never named in tests/engine/filters/"


def test_the_registry_is_consistent_and_names_only_existing_rules() -> None:
    assert registry_problems(load()) == []
    assert len(BY_NAME) == len(FILTERS)


def test_the_notices_and_their_wording_are_the_registry_s() -> None:
    # The scanner reads both from the entries; this wording is what users see (unchanged by the split).
    notices = {
        "repeated-or-sequential",
        "in-test-file",
        "weak-password",
        "sample-signed-jwt",
    }
    assert notices == scanner.SOFT_FILTERS
    assert scanner.advisory_text("weak-password") == (
        "a weak or sample password (a common word, digits, leetspeak): change it if it is real"
    )
    assert scanner.advisory_text("in-test-file") == NOTICE_TEXT["in-test-file"]
    assert scanner.advisory_text("failed-github-crc32").startswith("its github-crc32 check fails")
    assert all(BY_NAME[n].verdict == "notice" for n in NOTICE_TEXT)


def cand(
    secret: bytes, path: str, rule: str = "generic-password-assignment", key: bytes = b"password"
) -> Candidate:
    return Candidate(rule=load().by_id[rule], secret=secret, line=b"", prev_line=b"", path=path, key=key)


def test_the_first_filter_that_fires_names_the_reason() -> None:
    assert why_not_secret(cand(b"changeme", "config.yml")) == "placeholder"
    assert why_not_secret(cand(b"${DB_PASSWORD}", "config.yml")) == "reference"


def test_a_notice_stands_in_for_the_filters_that_give_way_to_it() -> None:
    # placeholder gives way to weak-password; a deployed dotenv file makes that notice block instead.
    assert why_not_secret(cand(b"hunter2", "config/app.ini")) == "weak-password"
    assert why_not_secret(cand(b"hunter2", ".env.production")) is None
    # in-test-file settles a pending notice, and sample-in-test-file replaces it.
    assert why_not_secret(cand(b"hunter2", "tests/fixtures/app.ini")) == "sample-in-test-file"


def test_a_filter_out_of_its_scope_never_fires() -> None:
    # The placeholder value under a provider rule: context-only filters do not judge it.
    value = b"Contrase\xc3\xb1a"
    assert why_not_secret(cand(value, "config/app.yml")) == "natural-language-word"
    assert why_not_secret(cand(value, "config/app.yml", rule="github-pat", key=None)) is None  # type: ignore[arg-type]
