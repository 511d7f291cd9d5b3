"""Helpers for the filter tests: run a filter's own examples, or any text, through the real scanner with
the bundled rules, and say which filter judged each match of a rule."""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType
from typing import Any

from credgate.engine.filters import BY_NAME
from credgate.engine.filters.check import filter_examples
from credgate.engine.filters.entry import Candidate, Filter
from credgate.engine.rules import Rule, load
from credgate.engine.scanner import Scanner
from credgate.engine.synth import expand


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    return Scanner(load())


def declared(module: ModuleType) -> set[str]:
    """The names of the filters a family module declares."""
    return {v.name for v in vars(module).values() if isinstance(v, Filter)}


def assert_judges_its_examples(name: str) -> None:
    """Each positive example's match of its rule is judged by this filter alone (a drop or a notice that
    names it); each negative's rule matches and this filter does not judge it."""
    f = BY_NAME[name]
    assert f.positives, f"{name} has no positive example"
    for o in filter_examples(f, scanner()):
        where = (name, o.kind, o.index, o.example.rule, o.verdicts)
        assert o.verdicts, where  # the rule matched
        if o.kind == "positive":
            assert set(o.verdicts) == {name}, where
        else:
            assert name not in o.verdicts, where
        assert not o.problem, where


def judged(text: str, path: str, rule: str) -> list[str]:
    """The verdict on each match of `rule` in the file: a filter's name, or "" when it blocks."""
    result = scanner().scan(expand(text, f"test:{path}").encode(), path)
    found = [f.advisory for f in result.findings if f.rule_id == rule]
    return found + [reason for rid, _, reason in result.suppressed if rid == rule]


def cand(
    rules: dict[str, Rule], secret: bytes, rule: str = "generic-password-assignment", **kw: Any
) -> Candidate:
    """A candidate for one predicate, as the scanner would build it (a password under `password`)."""
    defaults: dict[str, Any] = dict(line=b"", prev_line=b"", path="config.env", key=b"password", quoted=True)
    defaults.update(kw)
    return Candidate(rule=rules[rule], secret=secret, **defaults)


def tok(rules: dict[str, Rule], value: bytes, key: bytes = b"API_KEY", **kw: Any) -> Candidate:
    return cand(rules, value, rule="generic-token-assignment", key=key, **kw)
