"""engine/filters/prose.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import prose
from tests.engine.filters.judge import assert_judges_its_examples, declared, judged

NAMES = (
    "prose-word",
    "prose-or-path",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(prose) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_a_lower_case_word_is_prose_except_where_a_rule_says_it_is_a_password() -> None:
    # The rule ids the filter names: a statement in prose, and a command line's bare argument.
    statement = 'Ensure the password is "centipede" and press the button.'
    assert judged(statement, "README.txt", "prose-password-statement") == [""]
    assert judged("sshpass -p centipede ssh deploy@10.0.0.12", "deploy.sh", "cli-password-argument") == [""]
    assert judged("secret: 'centipede'", "config.yml", "generic-password-assignment") == ["prose-or-path"]
