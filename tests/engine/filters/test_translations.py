"""engine/filters/translations.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import translations
from tests.engine.filters.judge import assert_judges_its_examples, declared

NAMES = (
    "locale-file-label",
    "natural-language-word",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(translations) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)
