"""engine/filters/prose.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import prose
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared, judged

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


def test_prose_words_only_count_in_config_files(rules) -> None:  # type: ignore[no-untyped-def]
    assert prose.is_prose_word(cand(rules, b"create", quoted=False, path="docs/guide.md"))
    assert not prose.is_prose_word(cand(rules, b"create", quoted=False, path=".env.production"))
    assert prose.is_prose_word(cand(rules, b"credgate/gitleaks", quoted=False, path="RESULTS.md"))
    assert not prose.is_prose_word(cand(rules, b"create2", quoted=False, path="docs/guide.md"))


def test_one_run_of_letters_in_no_words_case_is_a_password_not_prose(rules) -> None:  # type: ignore[no-untyped-def]
    """A password drawn from letters alone has no digit either: not words unless its case is a word's."""
    for _ in range(20):
        drawn = secret("%%rand:upper:1%%%%rand:lower:4%%%%rand:upper:2%%%%rand:lower:6%%").encode()
        assert not prose.is_prose_word(cand(rules, drawn, quoted=False, path="db/init.sql")), drawn
    assert not prose.is_prose_word(cand(rules, b"Bcdfgtrz", quoted=False, path="docs/guide.md"))  # no vowel
    for word in (
        b"create",
        b"Create",
        b"CREATE",
        b"newPassword",
        b"PasswordHash",
        b"create.",
        b"credgate/gitleaks",
    ):
        assert prose.is_prose_word(cand(rules, word, quoted=False, path="docs/guide.md")), word
    # end to end: an unquoted SQL password of letters alone blocks
    drawn = secret("%%rand:upper:1%%%%rand:lower:4%%%%rand:upper:2%%%%rand:lower:6%%")
    assert judged(
        f"CREATE USER app IDENTIFIED BY {drawn};", "db/init.sql", "sql-grant-identified-password"
    ) == [""]
