"""engine/filters/check.py: `credgate filters check` fails on a filter that misjudges its examples or names
what does not exist."""

from __future__ import annotations

from dataclasses import replace

from credgate.engine.filters import BY_NAME
from credgate.engine.filters.check import check
from credgate.engine.filters.entry import Example
from credgate.engine.rules import load


def test_the_bundled_filters_pass_their_own_check() -> None:
    problems, outcomes = check(load())
    assert problems == []
    assert len(outcomes) >= len(BY_NAME)


def test_a_positive_judged_by_another_filter_fails() -> None:
    placeholder = BY_NAME["placeholder"]
    # `${VAR}` is a reference: reference judges it, not placeholder.
    broken = replace(
        placeholder,
        positives=(Example('password = "${DB_PASSWORD}"', "config.yml", "generic-password-assignment"),),
    )
    problems, _ = check(load(), [broken, BY_NAME["weak-password"]])
    assert [p.message for p in problems] == [
        "positive example #1 (config.yml): generic-password-assignment is judged by reference, "
        "not by this filter alone"
    ]


def test_a_negative_the_filter_judges_and_a_rule_that_does_not_match_fail() -> None:
    placeholder = BY_NAME["placeholder"]
    broken = replace(
        placeholder,
        negatives=(
            Example('password: "changeme"', "config.yml", "generic-password-assignment"),
            Example('password: "changeme"', "config.yml", "github-pat"),
        ),
    )
    messages = [p.message for p in check(load(), [broken, BY_NAME["weak-password"]])[0]]
    assert messages == [
        "negative example #1 (config.yml): generic-password-assignment is judged by this filter "
        "(placeholder)",
        "negative example #2 (config.yml): github-pat does not match it",
    ]


def test_unknown_rule_ids_notices_and_missing_examples_are_registry_problems() -> None:
    broken = replace(
        BY_NAME["too-short-for-a-token"],
        name="broken",
        positives=(),
        negatives=(),
        rule_ids=frozenset({"no-such-rule"}),
        yields_to=("placeholder",),
    )
    messages = [p.message for p in check(load(), [broken, BY_NAME["placeholder"]])[0]]
    assert "has no positive example: add a file this filter judges" in messages
    assert (
        "has no negative example: add a file where the rule matches and this filter does not judge it"
        in messages
    )
    assert "names rule 'no-such-rule', which is not in the rule set" in messages
    assert "gives way to 'placeholder', which is not a notice filter" in messages
