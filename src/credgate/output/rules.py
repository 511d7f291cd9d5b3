"""The text of `credgate rules check` and `credgate rules list`."""

from __future__ import annotations

import json
from typing import Sequence, TextIO

from credgate.engine.check import Problem
from credgate.engine.rules import RuleSet
from credgate.report import safe


def write_check(ruleset: RuleSet, problems: Sequence[Problem], out: TextIO) -> None:
    for p in problems:
        print(f"{safe(p.origin)}: {p.rule_id}: {safe(p.message)}", file=out)
    examples = sum(len(r.examples) + len(r.negative_examples) for r in ruleset.rules)
    status = "FAILED" if problems else "ok"
    print(
        f"rules check: {len(ruleset)} rules, {examples} examples, {len(problems)} problem(s): {status}",
        file=out,
    )


def write_list(ruleset: RuleSet, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        rows = [
            {"id": r.id, "name": r.name, "severity": r.severity, "confidence": r.confidence, "file": r.origin}
            for r in ruleset.rules
        ]
        print(json.dumps(rows, indent=2), file=out)
    else:
        for r in ruleset.rules:
            print(f"{r.id:45} {r.severity:9} {r.confidence:7} {safe(r.name)}", file=out)
