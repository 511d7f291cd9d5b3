"""engine/filters/published.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import published
from tests.engine.filters.judge import assert_judges_its_examples, declared

NAMES = (
    "vendor-example",
    "sample-signed-jwt",
    "reserved-example-host",
    "sample-userinfo",
    "badge-token",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(published) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)
