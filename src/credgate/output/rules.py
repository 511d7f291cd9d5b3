"""The text of `credgate rules check` and `credgate rules list`."""

from __future__ import annotations

import json
from typing import Sequence, TextIO

from credgate.engine.check import Problem
from credgate.engine.rules import RuleSet
from credgate.output.escape import safe


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
        rows += _keyfile_rows()
        print(json.dumps(rows, indent=2), file=out)
    else:
        for r in ruleset.rules:
            print(f"{r.id:45} {r.severity:9} {r.confidence:7} {safe(r.name)}", file=out)
        for row in _keyfile_rows():
            print(f"{row['id']:45} {row['severity']:9} {row['confidence']:7} {row['name']}", file=out)


def write_keyfiles_check(problems: Sequence[tuple[str, str]], out: TextIO) -> None:
    from credgate.engine import keyfiles

    for detector_id, message in problems:
        print(f"{keyfiles.ORIGIN}: {detector_id}: {message}", file=out)
    n = sum(len(d.examples) + len(d.negative_examples) for d in keyfiles.DETECTORS)
    status = "FAILED" if problems else "ok"
    print(
        f"keyfile detectors check: {len(keyfiles.DETECTORS)} detectors, {n} examples, "
        f"{len(problems)} problem(s): {status}",
        file=out,
    )


def _keyfile_rows() -> list[dict[str, str]]:
    """The credential-file content detectors (`credgate files`, `audit`), listed beside the rules."""
    from credgate.engine import keyfiles

    return [
        {
            "id": d.id,
            "name": d.name,
            "severity": d.severity,
            "confidence": d.confidence,
            "file": keyfiles.ORIGIN,
        }
        for d in keyfiles.DETECTORS
    ]
