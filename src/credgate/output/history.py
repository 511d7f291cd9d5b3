"""`credgate history`'s words: the sentence each secret carries about where and when it came in.

The facts (introduction date, every path, HEAD presence) are decided in `gate.history` and kept in a
finding's `extra`; here they become the finding's note, which every format prints (text, JSON, SARIF).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from credgate.engine.finding import Finding
from credgate.gate.report import Report
from credgate.output.escape import safe


def history_note(f: Finding) -> str:
    """`introduced 2026-01-02; in .env.master, GUIDE.md; still at HEAD`, after the scanner's own note."""
    facts = dict(f.extra)
    intro = datetime.fromisoformat(str(facts["introduced_date"]))
    paths = facts.get("paths")
    where = ", ".join(safe(p) for p in (paths if isinstance(paths, list) else [f.path]))
    note = f"introduced {intro:%Y-%m-%d}; in {where}; " + (
        "still at HEAD" if facts.get("head_paths") else "not at HEAD (history only)"
    )
    return f"{f.note}; {note}" if f.note else note


def with_notes(findings: list[Finding]) -> list[Finding]:
    """The findings, each history finding with its note written (any other finding as it is)."""
    return [replace(f, note=history_note(f)) if "introduced_date" in dict(f.extra) else f for f in findings]


def annotate(report: Report) -> Report:
    report.findings = with_notes(report.findings)
    report.accepted = with_notes(report.accepted)
    return report
