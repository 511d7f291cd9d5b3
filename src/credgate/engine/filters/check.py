"""`credgate filters check`: every filter against its own examples, through the real scanner.

A positive example is a file whose match of the named rule this filter judges: the suppression (or the
notice) names the filter. A negative example is a file where the rule matches and this filter does not
judge it. Examples are templates (see synth.py) expanded with a seed derived from the filter's name, so
the check is reproducible and the filter modules hold no secrets. The registry itself is checked too:
every rule id an entry names exists in the rule set, and every notice an entry gives way to is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from credgate.engine.filters import FILTERS
from credgate.engine.filters.entry import Example, Filter
from credgate.engine.rules import RuleSet
from credgate.engine.scanner import Scanner
from credgate.engine.synth import TemplateError, expand


@dataclass(frozen=True)
class Problem:
    filter: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """What the scanner made of one example: the verdict of each match of the example's rule."""

    filter: str
    kind: str  # "positive" or "negative"
    index: int  # 1-based, as the messages count
    example: Example
    verdicts: tuple[str, ...]  # the judging filter's name, or "" for a blocking finding
    problem: str = ""


def example_text(name: str, kind: str, index: int, template: str) -> str:
    return expand(template, f"filter:{name}:{kind}:{index}")


def registry_problems(ruleset: RuleSet, filters: Sequence[Filter] | None = None) -> list[Problem]:
    """Entries that contradict themselves or name rules and notices that do not exist."""
    filters = FILTERS if filters is None else filters
    by_name = {f.name: f for f in filters}
    problems: list[Problem] = []
    seen: set[str] = set()
    for f in filters:

        def bad(message: str, name: str = f.name) -> None:
            problems.append(Problem(name, message))

        if f.name in seen:
            bad("is registered twice")
        seen.add(f.name)
        if not f.positives:
            bad("has no positive example: add a file this filter judges")
        if not f.negatives:
            bad(
                "has no negative example: add a file where the rule matches and this filter does not judge it"
            )
        if (f.verdict == "notice") != bool(f.notice):
            bad("a notice needs its wording, and only a notice has one")
        for rule_id in sorted(f.scope.rule_ids | f.rule_ids | {e.rule for e in f.positives + f.negatives}):
            if rule_id not in ruleset.by_id:
                bad(f"names rule {rule_id!r}, which is not in the rule set")
        for name in f.yields_to:
            if name not in by_name or by_name[name].verdict != "notice":
                bad(f"gives way to {name!r}, which is not a notice filter")
        for name in f.after:
            if name not in by_name:
                bad(f"replaces the verdict {name!r}, which is not a filter")
        if f.after and f.chained:
            bad("replaces verdicts, so it must not be judged in order on its own (chained=False)")
        if not f.chained and not f.after and not any(f.name in g.yields_to for g in filters):
            bad("is never judged: it is not chained, replaces no verdict and no filter gives way to it")
    return problems


def _verdicts(scanner: Scanner, data: bytes, path: str, rule_id: str) -> tuple[str, ...]:
    result = scanner.scan(data, path)
    found = [f.advisory for f in result.findings if f.rule_id == rule_id]
    dropped = [reason for rid, _, reason in result.suppressed if rid == rule_id]
    return tuple(found + dropped)


def _judge(f: Filter, kind: str, verdicts: tuple[str, ...], rule_id: str) -> str:
    shown = ", ".join(v or "blocks" for v in verdicts)
    if not verdicts:
        return f"{rule_id} does not match it"
    if kind == "positive" and any(v != f.name for v in verdicts):
        return f"{rule_id} is judged by {shown}, not by this filter alone"
    if kind == "negative" and f.name in verdicts:
        return f"{rule_id} is judged by this filter ({shown})"
    return ""


def filter_examples(f: Filter, scanner: Scanner) -> list[Outcome]:
    """One filter's examples, each scanned as a file by `scanner` (the verdict is the registry's)."""
    outcomes: list[Outcome] = []
    for kind, examples in (("positive", f.positives), ("negative", f.negatives)):
        for i, example in enumerate(examples):
            try:
                text = example_text(f.name, kind, i, example.text)
            except TemplateError as exc:
                outcomes.append(Outcome(f.name, kind, i + 1, example, (), f"bad template: {exc}"))
                continue
            verdicts = _verdicts(scanner, text.encode(), example.path, example.rule)
            problem = _judge(f, kind, verdicts, example.rule)
            outcomes.append(Outcome(f.name, kind, i + 1, example, verdicts, problem))
    return outcomes


def check(ruleset: RuleSet, filters: Sequence[Filter] | None = None) -> tuple[list[Problem], list[Outcome]]:
    """The registry's problems, then every example's outcome (an outcome with a problem fails), each
    example scanned by the scanner `credgate scan` builds from the rule set."""
    filters = FILTERS if filters is None else filters
    problems = registry_problems(ruleset, filters)
    scanner = Scanner(ruleset)
    outcomes = [o for f in filters for o in filter_examples(f, scanner)]
    problems += [
        Problem(o.filter, f"{o.kind} example #{o.index} ({o.example.path}): {o.problem}")
        for o in outcomes
        if o.problem
    ]
    return problems, outcomes
