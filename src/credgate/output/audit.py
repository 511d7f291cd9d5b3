"""Text and JSON of `credgate audit`: each check's verdict, what it found, and what to do."""

from __future__ import annotations

from typing import Sequence, TextIO

from credgate import __version__
from credgate.gate.audit import TITLES, Check
from credgate.output import escape as output_escape
from credgate.output.escape import safe


def verdict(checks: Sequence[Check]) -> str:
    """UNSAFE when any check is; UNKNOWN when one could not be answered (never a pass); else SAFE."""
    if any(c.safe is False for c in checks):
        return "UNSAFE"
    return "UNKNOWN" if any(c.unknown for c in checks) else "SAFE"


def to_json(checks: Sequence[Check], rc: int) -> str:
    doc = {
        "tool": "credgate",
        "version": __version__,
        "command": "audit",
        "exit_code": rc,
        "verdict": verdict(checks),
        "checks": {c.name: {"verdict": c.verdict, "safe": c.safe, **c.data, "fix": c.fix} for c in checks},
    }
    return output_escape.dumps_json(doc)


def write_text(checks: Sequence[Check], where: str, out: TextIO) -> None:
    """where: the work tree (or, for a bare repository, the git directory) audited."""
    print(f"credgate audit of {safe(where)}", file=out)
    for i, c in enumerate(checks, 1):
        print(f"\n[{c.verdict}] {i}. {TITLES[c.name]}", file=out)
        for line in c.details:
            print(f"    {line}", file=out)
        if c.fix:
            print("  What to do:", file=out)
            for step in c.fix:
                print(f"    - {step}", file=out)
    unsafe = [c for c in checks if c.safe is False]
    unknown = [c for c in checks if c.unknown]
    done = [c for c in checks if c.safe is not None or c.unknown]
    tail = f", {len(unknown)} unknown" if unknown else ""
    print(f"\ncredgate audit: {verdict(checks)} ({len(unsafe)} of {len(done)} checks unsafe{tail})", file=out)
