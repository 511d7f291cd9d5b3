"""`credgate rules check`: every rule against its own examples.

A positive example must produce a finding of that rule; a negative example must
not. Examples are templates (see synth.py), expanded with a seed derived from
the rule id, so the check is reproducible and the rule files hold no secrets.
"""

from __future__ import annotations

from dataclasses import dataclass

from credgate.engine.rules import RuleError, RuleSet
from credgate.engine.scanner import Scanner
from credgate.engine.synth import TemplateError, expand

EXAMPLE_PATH = "snippet.txt"  # not "example.txt": generic rules step back in files named as examples


@dataclass(frozen=True)
class Problem:
    rule_id: str
    origin: str
    message: str


def example_text(rule_id: str, kind: str, index: int, template: str) -> str:
    return expand(template, f"{rule_id}:{kind}:{index}")


def example_path(files: tuple[str, ...]) -> str:
    """A file name the rule applies to: its first glob with the wildcards filled in."""
    if not files:
        return EXAMPLE_PATH
    return files[0].replace("*", "production").replace("?", "x")


def check(ruleset: RuleSet) -> list[Problem]:
    problems: list[Problem] = []
    for rule in ruleset.rules:
        # Each rule is checked alone (with its `near` partner), so one broken rule
        # cannot hide or break the check of another.
        own = [rule] + ([ruleset.by_id[rule.near.rule]] if rule.near else [])
        scanner = Scanner(RuleSet(own), include_hidden=True)

        def bad(message: str, rule_id: str = rule.id, origin: str = rule.origin) -> None:
            problems.append(Problem(rule_id, origin, message))

        try:
            rule.secret_groups  # noqa: B018 - compiles and validates the regex
        except RuleError as exc:
            bad(str(exc))
            continue
        if not rule.examples:
            bad("has no examples: add at least one positive example")
        if not rule.negative_examples:
            bad("has no negative_examples: add at least one text the rule must not match")
        if not rule.references:
            bad("has no references: cite the provider's documentation of the token format")
        for kind, templates, want in (
            ("example", rule.examples, True),
            ("negative", rule.negative_examples, False),
        ):
            for i, template in enumerate(templates):
                try:
                    text = example_text(rule.id, kind, i, template)
                except TemplateError as exc:
                    bad(f"{kind} #{i + 1}: bad template: {exc}")
                    continue
                # A detector's examples are files, often binary: one character a byte (synth's `credfile`).
                try:
                    data = text.encode("latin-1") if rule.detector else text.encode()
                except UnicodeEncodeError:
                    bad(f"{kind} #{i + 1}: a detector rule's example must be bytes (latin-1 text)")
                    continue
                findings = scanner.scan(data, example_path(rule.files)).findings
                # A notice (a placeholder-like value, a wrong checksum) does not block: it is not a hit.
                found = any(f.rule_id == rule.id and f.blocking for f in findings)
                if want and not found:
                    bad(f"example #{i + 1} is not found by the rule")
                elif not want and found:
                    bad(f"negative example #{i + 1} is matched by the rule")
    return problems
