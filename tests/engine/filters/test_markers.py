"""engine/filters/markers.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import markers
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared

NAMES = ("inline-allow",)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(markers) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_inline_allow_is_rule_specific(rules) -> None:  # type: ignore[no-untyped-def]
    line = b"x = 1  # credgate:allow=github-pat"
    assert markers.is_inline_allowed(cand(rules, b"v", rule="github-pat", line=line))
    assert not markers.is_inline_allowed(cand(rules, b"v", rule="aws-access-key-id", line=line))
