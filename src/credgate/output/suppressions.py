"""The text and JSON of `credgate suppressions`. The scanned line itself is never printed."""

from __future__ import annotations

from typing import TextIO

from credgate.gate.suppressions import Suppression
from credgate.output import escape as output_escape
from credgate.output.escape import safe


def doc(s: Suppression) -> dict[str, object]:
    return {
        "kind": s.kind,
        "path": safe(s.path),
        "line": s.line,
        "marker": safe(s.marker),
        "rules": [safe(r) for r in s.rules] or "all",
        "reason": safe(s.reason),
        "scope": s.scope,
    }


def write_json(items: list[Suppression], out: TextIO) -> None:
    document = {
        "tool": "credgate",
        "suppressions": [doc(s) for s in items],
        "counts": {
            "markers": sum(s.kind == "marker" for s in items),
            "baseline": sum(s.kind == "baseline" for s in items),
            "without_reason": sum(not s.reason for s in items),
        },
    }
    print(output_escape.dumps_json(document), file=out)


def write_text(items: list[Suppression], out: TextIO) -> None:
    if not items:
        print("credgate: no inline allow markers and no baseline entries", file=out)
        return
    markers = [s for s in items if s.kind == "marker"]
    entries = [s for s in items if s.kind == "baseline"]
    for title, group in (("inline markers", markers), ("baseline entries", entries)):
        if not group:
            continue
        print(f"credgate: {len(group)} {title}:", file=out)
        for s in group:
            where = (
                f"{safe(s.path)}:{s.line}"
                if s.line is not None
                else f"{safe(s.path)} (matches nothing today)"
            )
            rules = ",".join(safe(r) for r in s.rules) or "all rules"
            scope = "" if s.scope in ("line", "path") else f" ({s.scope})"
            reason = f'  reason "{safe(s.reason)}"' if s.reason else "  (no reason given)"
            print(f"  {where}  {safe(s.marker)}{scope}  {rules}{reason}", file=out)
