"""The text of `credgate baseline` (and of `credgate init`, which runs its steps)."""

from __future__ import annotations

import os

from credgate import baseline as bl
from credgate.gate.baseline_update import Plan, UnionMerge
from credgate.output.escape import safe


def describe(a: bl.Addition, sign: str) -> str:
    f = a.finding
    if f.commit == "HEAD":
        where = "in history, still at HEAD"
    else:
        where = f"in history, added by {f.commit[:12]}" if f.commit else f"line {f.line}"
    return f"  {sign} {safe(a.entry.path)}  {a.entry.rule}  {f.redacted()}  ({where})"


def shown(p: Plan) -> str:
    return safe(os.path.relpath(p.target))


def plan_lines(p: Plan) -> list[str]:
    """What the run found and decided, before anything is written."""
    lines: list[str] = []
    name = shown(p)
    if p.not_in_detect_secrets is not None:
        lines.append(
            f"credgate: {p.not_in_detect_secrets} finding(s) were not in the detect-secrets baseline "
            "and still block"
        )
    if p.unmatched:
        n = len(p.unmatched)
        what = f"1 entry in {name} matches" if n == 1 else f"{n} entries in {name} match"
        lines.append(
            f"credgate: {what} nothing today (the value left that path); "
            "`credgate baseline --prune` removes them"
        )
    if p.converted or p.legacy is not None:
        lines.append(
            f"credgate: converting the old-format baseline {safe(os.path.relpath(p.legacy_path or ''))}:"
        )
        for a, was in p.converted:
            note = "" if was == a.entry.path else f"  [was labelled {safe(was)}]"
            lines.append(describe(a, "=") + note)
        for path, rule in p.gone:
            lines.append(f"  - {safe(path)}  {rule}  (not found in any file today: not converted)")
    for old_entry, a in p.moved:
        why = (
            f"renamed from {safe(old_entry.path)}"
            if old_entry.path != a.entry.path
            else "fingerprint updated"
        )
        lines.append(describe(a, ">") + f"  [{why}]")
    for e in p.stale:
        lines.append(f"  - {safe(e.path)}  {e.rule}  (matches nothing today: removed)")
    if p.new and p.accept_new:
        lines.append(f"credgate: accepting {len(p.new)} finding(s) in {name}:")
        lines += [describe(a, "+") for a in p.new]
    elif p.new:
        lines.append(f"credgate: {len(p.new)} finding(s) are not in {name}:")
        lines += [describe(a, "?") for a in p.new]
        lines.append(
            "credgate: nothing was written. Review them; rotate real ones; accept the rest with "
            "`credgate baseline --add`"
        )
    if not p.changes and not p.new:
        lines.append(f"credgate: {name} already accepts every current finding; nothing to add")
    return lines


def wrote_line(p: Plan) -> str:
    return f"credgate: wrote {shown(p)} with {len(p.entries)} accepted finding(s)"


def removed_line(legacy_path: str) -> str:
    return f"credgate: removed {safe(os.path.relpath(legacy_path))}: commit its removal with the new file"


def union_lines(u: UnionMerge) -> list[str]:
    if u.outcome == "by-hand":
        by_hand = "to .gitattributes by hand so merges keep both sides"
        return [f"credgate: add `{safe(u.rel)} {bl.ATTRIBUTE}` {by_hand}"]
    if u.outcome == "added":
        return [f"credgate: added `{u.line}` to .gitattributes (commit it with the baseline)"]
    return []


def closing_lines(p: Plan) -> list[str]:
    if not p.entries:
        return []
    return [
        "credgate: a baseline stops the gate from repeating known findings; it does not make them "
        "safe. Rotate every real credential it lists."
    ]
