"""Text and JSON of the credential-file gate (`credgate files`; `credgate audit` reuses the verdict lines)."""

from __future__ import annotations

import json
import shlex
from typing import Any, Iterable, TextIO

from credgate import __version__
from credgate.gate.credential_files import Result, Verdict
from credgate.gate.report import Report, Stats
from credgate.output.escape import safe
from credgate.output.text import gitignore_fix_command, warnings


def fix_steps(v: Verdict) -> list[str]:
    """How to fix one blocked file, from where the user is."""
    quoted = shlex.quote(safe(v.path))
    if v.reason == "template-value":
        return [
            "Replace the real value with a placeholder (your-key-here, ${VAR}), "
            f"then re-stage it: git add -- {quoted}",
            "Rotate the credential: it was written into a file meant to be shared.",
        ]
    if v.status == "file":  # named on the command line, not in the index: nothing to unstage
        steps = [f"Do not add it: {quoted} is not tracked, keep it that way"]
    else:
        steps = [f"Unstage it (the file stays on disk): git rm --cached -- {quoted}"]
    line = v.ignore_line
    if v.pattern and line:
        steps.append(
            f"Keep it out for good: add `{safe(line)}` to .gitignore "
            f"(`{gitignore_fix_command()}` adds every standard line)"
        )
    else:
        # Named by content only: no standard pattern covers it, so the key has to move.
        where = f"add `{safe(line)}` to .gitignore" if line else "add it to .gitignore"
        steps.append(f"Keep the key out of the repository (a secret store, ~/.ssh), or {where}")
    if v.status in ("A", "file"):
        steps.append(
            "Rotate what it holds if it was ever pushed, shared or committed elsewhere; "
            "if it never left this machine, unstaging is enough."
        )
    else:
        steps.append(
            "It is already in this repository's history: rotate every credential in it now, then purge "
            f"it (`credgate audit` shows where; git filter-repo --invert-paths --path {quoted})."
        )
    return steps


def verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "path": safe(v.path),
        "status": v.status,
        "kind": v.kind,
        "reason": v.reason,
        "why": v.why,
        "pattern": v.pattern,
        "ignore_line": safe(v.ignore_line),
        "findings": [
            {
                "line": f.line,
                "col": f.col,
                "rule": f.rule_id,
                "rule_name": f.rule_name,
                "secret": f.redacted(),
            }
            for f in v.findings
        ],
        "fix": fix_steps(v),
    }


def describe(v: Verdict) -> str:
    text = f"{safe(v.path)}  {v.kind}: {safe(v.why)}"
    if v.pattern and v.reason == "name":
        text += f"  (matches `{safe(v.pattern)}`)"
    return text


def write_verdicts(blocked: Iterable[Verdict], out: TextIO, indent: str = "  ") -> None:
    for v in blocked:
        print(f"{indent}{describe(v)}", file=out)
        for f in v.findings:
            print(f"{indent}    line {f.line}:{f.col}  {f.rule_id}  {f.redacted()}", file=out)


def warning_lines(stats: Stats, max_size: int) -> list[str]:
    # The shared wording, so a file too large to read is reported the same by every gate.
    return warnings(Report("files", [], stats, max_size=max_size))


def to_json(result: Result, rc: int) -> str:
    s = result.stats
    doc = {
        "tool": "credgate",
        "version": __version__,
        "command": "files",
        "scope": result.scope,
        "exit_code": rc,
        "blocked": [verdict_json(v) for v in result.blocked],
        "stats": {
            "files": s.files,
            "bytes": s.bytes,
            "excluded": s.excluded,
            "too_large": [{"path": safe(p), "size": n} for p, n in s.too_large],
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def write_text(result: Result, out: TextIO) -> None:
    if not result.blocked:
        return
    n = len(result.blocked)
    print(f"credgate: {n} credential file{'s' * (n != 1)} in {result.scope}\n", file=out)
    write_verdicts(result.blocked, out)
    print("\nHow to fix:", file=out)
    for v in result.blocked:
        print(f"  {safe(v.path)}", file=out)
        for i, step in enumerate(fix_steps(v), 1):
            print(f"    {i}. {step}", file=out)


def summary(result: Result) -> str:
    """The -v line: what was checked."""
    s = result.stats
    text = f"credgate: checked {s.files} file{'s' * (s.files != 1)} ({s.bytes} B) in {result.scope}"
    if s.excluded:
        text += f"; {s.excluded} excluded by config"
    return text
