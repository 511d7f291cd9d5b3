"""engine/filters/code.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import code
from tests.conftest import secret, token
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared

NAMES = (
    "reference",
    "code-identifier",
    "regex-pattern",
    "type-union",
    "type-declaration",
    "identifier-value",
    "conditional-branch",
    "code-constant-name",
    "comparison-outside-passwords",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(code) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_code_identifier_only_for_unquoted_values_in_code(rules) -> None:  # type: ignore[no-untyped-def]
    assert code.is_code_identifier(cand(rules, b"user_password", quoted=False, path="app.py"))
    assert not code.is_code_identifier(cand(rules, b"hunter2x", quoted=False, path="prod.env"))
    assert not code.is_code_identifier(cand(rules, b"hunter2x", quoted=True, path="app.py"))


def test_code_constant_names_only_in_code(rules) -> None:  # type: ignore[no-untyped-def]
    assert code.is_code_constant_name(cand(rules, b"_password_reset_token", path="views.py"))
    assert code.is_code_constant_name(cand(rules, b"POST", path="csrf.py"))
    assert not code.is_code_constant_name(cand(rules, b"db_admin_2024", path="prod.env"))


def test_comparisons_count_for_passwords_only(rules) -> None:  # type: ignore[no-untyped-def]
    line = b'elif token == "#bygroup":'
    assert code.is_comparison_outside_passwords(cand(rules, b"#bygroup", key=b"token", line=line))
    line = b'if password == "' + secret("%%rand:alnum:8%%").encode() + b'":'
    assert not code.is_comparison_outside_passwords(cand(rules, b"x", key=b"password", line=line))


def test_api_key_in_a_url_inside_code_is_a_literal(rules) -> None:  # type: ignore[no-untyped-def]
    value = token(40).encode()
    line = b"fetch('https://api.example.net/v1/imagery?api_key=" + value + b"')"
    c = cand(rules, value, key=b"api_key", line=line, quoted=False, path="app.js")
    assert not code.is_code_identifier(c)
