"""engine/filters/location.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import location
from tests.engine.filters.judge import assert_judges_its_examples, declared, judged

NAMES = (
    "in-test-file",
    "test-vector",
    "sample-hash",
    "doctest-example",
    "example-file",
    "sample-in-test-file",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(location) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_a_provider_token_in_a_test_still_blocks() -> None:
    assert judged("token = '%%github:ghp_%%'", "tests/test_login.py", "github-pat") == [""]


def test_a_made_up_value_pending_as_a_notice_is_a_fixture_sample_in_a_test() -> None:
    line = "WEATHER_API_KEY=abcdef0123456789abcdef0123456789"
    assert judged(line, "settings.ini", "generic-password-assignment") == ["repeated-or-sequential"]
    assert judged(line, "tests/settings.ini", "generic-password-assignment") == ["sample-in-test-file"]
