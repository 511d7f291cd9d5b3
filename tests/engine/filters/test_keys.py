"""engine/filters/keys.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import keys
from tests.engine.filters.judge import assert_judges_its_examples, declared, judged

NAMES = (
    "non-secret-key",
    "fixture-or-error-key",
    "key-echo",
    "public-or-structural-key",
    "too-short-for-a-token",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(keys) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_a_short_dotenv_value_counts_only_under_a_credential_name() -> None:
    # The rule id the filter names (env-file-generated-value) has its own length floor.
    assert judged("UCLASSIFY_READ=%%rand:alnum:14%%", ".env", "env-file-generated-value") == [
        "too-short-for-a-token"
    ]
    assert judged("UCLASSIFY_KEY=%%rand:alnum:14%%", ".env", "env-file-generated-value") == [""]
