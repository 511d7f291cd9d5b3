"""engine/filters/entry.py: a filter's scope selects the rules it applies to."""

from __future__ import annotations

from credgate.engine.filters.entry import ALL, GENERIC, PROVIDER, Scope
from credgate.engine.rules import load


def test_scopes_select_rules_by_kind_by_what_they_declare_and_by_id() -> None:
    rules = load().by_id
    generic, provider, bcrypt = (
        rules["generic-password-assignment"],
        rules["github-pat"],
        rules["password-hash-bcrypt"],
    )
    assert GENERIC.covers(generic) and not GENERIC.covers(provider)
    assert PROVIDER.covers(provider) and not PROVIDER.covers(generic)
    assert ALL.covers(generic) and ALL.covers(provider)
    assert Scope(in_tests="skip").covers(bcrypt) and not Scope(in_tests="skip").covers(provider)
    assert Scope(shape="token").covers(rules["generic-token-assignment"]) and not Scope(shape="token").covers(
        generic
    )
    assert Scope(rule_ids=frozenset({"github-pat"})).covers(provider)
    assert not Scope(rule_ids=frozenset({"github-pat"})).covers(generic)
    assert Scope(generic=True, in_tests="skip").describe() == 'generic rules; rules with in_tests = "skip"'
    assert ALL.describe() == "all rules"
