"""`credgate rules check` and `credgate rules list`."""

from __future__ import annotations

import json
import sys
from typing import Sequence, TextIO

import click

from credgate.engine.check import check
from credgate.engine.rules import RuleError, load
from credgate.errors import CLEAN, FINDINGS, UsageError
from credgate.report import safe


def run_check(extra: Sequence[str] = (), out: TextIO | None = None) -> int:
    """Every rule against its own examples; 1 when any rule misses or over-matches."""
    out = out or sys.stdout
    try:
        ruleset = load(extra)
    except RuleError as exc:
        raise UsageError(str(exc), "fix the rule file") from None
    problems = check(ruleset)
    for p in problems:
        print(f"{safe(p.origin)}: {p.rule_id}: {safe(p.message)}", file=out)
    examples = sum(len(r.examples) + len(r.negative_examples) for r in ruleset.rules)
    status = "FAILED" if problems else "ok"
    print(
        f"rules check: {len(ruleset)} rules, {examples} examples, {len(problems)} problem(s): {status}",
        file=out,
    )
    keyfiles_ok = _check_keyfiles(out)
    return FINDINGS if problems or not keyfiles_ok else CLEAN


def _check_keyfiles(out: TextIO) -> bool:
    """The credential-file content detectors (engine/keyfiles.py) against their own examples."""
    from credgate.engine import keyfiles

    problems = keyfiles.check_examples()
    for detector_id, message in problems:
        print(f"{keyfiles.ORIGIN}: {detector_id}: {message}", file=out)
    n = sum(len(d.examples) + len(d.negative_examples) for d in keyfiles.DETECTORS)
    status = "FAILED" if problems else "ok"
    print(
        f"keyfile detectors check: {len(keyfiles.DETECTORS)} detectors, {n} examples, "
        f"{len(problems)} problem(s): {status}",
        file=out,
    )
    return not problems


def run_list(extra: Sequence[str] = (), fmt: str = "text", out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        ruleset = load(extra)
    except RuleError as exc:
        raise UsageError(str(exc), "fix the rule file") from None
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
    return CLEAN


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


@click.group("rules")
def command() -> None:
    """Inspect and check the rule set."""


_extra = click.option(
    "--rules", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra rule file."
)


@command.command("check")
@_extra
@click.pass_context
def check_cmd(ctx: click.Context, extra: tuple[str, ...]) -> None:
    """Fail when a rule misses a positive example or matches a negative one."""
    ctx.exit(run_check(extra))


@command.command("list")
@_extra
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def list_cmd(ctx: click.Context, extra: tuple[str, ...], fmt: str) -> None:
    """List the rules: id, severity, confidence, name."""
    ctx.exit(run_list(extra, fmt))
