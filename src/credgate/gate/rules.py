"""The rule set `credgate rules` inspects: the shipped rules plus extra files, checked on their examples."""

from __future__ import annotations

from typing import Sequence

from credgate.engine.check import Problem, check
from credgate.engine.rules import RuleError, RuleSet, load
from credgate.errors import UsageError


def load_rules(extra: Sequence[str] = ()) -> RuleSet:
    try:
        return load(extra)
    except RuleError as exc:
        raise UsageError(str(exc), "fix the rule file") from None


def check_rules(extra: Sequence[str] = ()) -> tuple[RuleSet, list[Problem]]:
    """Every rule against its own examples: the problems (a missed example, a matched negative one)."""
    ruleset = load_rules(extra)
    return ruleset, check(ruleset)


def check_keyfiles() -> list[tuple[str, str]]:
    """The credential-file content detectors (engine/keyfiles.py) against their own examples."""
    from credgate.engine import keyfiles

    return keyfiles.check_examples()
