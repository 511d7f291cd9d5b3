"""Rendering findings for people (text) and machines (JSON).

Two invariants hold on every path out of here: a secret only ever appears as
`Finding.redacted()`, and file names and messages pass through `safe()`, so an
escape sequence in a file name or in scanned content cannot drive the terminal.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import TextIO

from credgate import __version__, output_escape
from credgate.engine.finding import Finding


def safe(text: str) -> str:
    """A content-derived field for text output: see `output_escape.text` (kept here: every
    command imports it from this module)."""
    return output_escape.text(text)


@dataclass
class Stats:
    files: int = 0
    bytes: int = 0
    binary: list[str] = field(default_factory=list)
    too_large: list[tuple[str, int]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    commits: int = 0  # for range scans
    excluded: int = 0
    suppressed: int = 0
    not_blocking: int = 0  # findings on lines this commit does not add
    baselined: int = 0  # findings the baseline accepts
    allowed_at_head: int = 0  # history: findings whose line at HEAD carries an allow marker


@dataclass
class Report:
    scope: str  # "staged changes" or "files"
    findings: list[Finding]
    stats: Stats
    new_files: set[str] = field(default_factory=set)  # staged as added: `git rm --cached` applies
    max_size: int = 0
    base: str = ""  # for range scans: the commit the range starts after, for the rewrite hint
    kind: str = ""  # "staged", "files", "range" or "history": what the fix steps say
    accepted: list[Finding] = field(default_factory=list)  # by the baseline or a marker: not blocking
    notes: list[str] = field(default_factory=list)  # stderr lines about the baseline itself


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def summary(report: Report) -> str:
    s = report.stats
    if report.scope.startswith("commits "):
        where = report.scope[len("commits ") :]
        changed = f"{s.files} changed file{'s' * (s.files != 1)}, {_size(s.bytes)}"
        parts = [f"scanned {s.commits} commit{'s' * (s.commits != 1)} ({changed}) {where}"]
    else:
        parts = [f"scanned {s.files} file{'s' * (s.files != 1)} ({_size(s.bytes)}) in {report.scope}"]
    if s.binary:
        parts.append(f"{len(s.binary)} binary (searched for high-confidence tokens only)")
    if s.excluded:
        parts.append(f"{s.excluded} excluded by config")
    if s.suppressed:
        parts.append(f"{s.suppressed} match(es) suppressed as decoys or allowed inline")
    if s.baselined:
        parts.append(f"{s.baselined} finding(s) accepted by the baseline")
    if s.allowed_at_head:
        parts.append(f"{s.allowed_at_head} finding(s) allowed by a marker on their line at HEAD")
    if s.not_blocking:
        parts.append(f"{s.not_blocking} finding(s) on lines this commit does not add (see --all-lines)")
    return "credgate: " + "; ".join(parts)


def warnings(report: Report) -> list[str]:
    out = []
    for path, size in report.stats.too_large:
        out.append(
            f"credgate: warning: {safe(path)} was NOT scanned: {_size(size)} is over the "
            f"{_size(report.max_size)} limit (raise max-file-size in .credgate.toml to scan it)"
        )
    for path in report.stats.unreadable:
        out.append(f"credgate: warning: {safe(path)} could not be read and was NOT scanned")
    out.extend(report.notes)
    return out


def accepted_line(report: Report) -> str | None:
    """The one line normal output gives accepted findings, so a team sees what is waved through."""
    s = report.stats
    if not (s.baselined or s.allowed_at_head):
        return None
    parts = [f"{s.baselined} by the baseline"] if s.baselined else []
    if s.allowed_at_head:
        parts.append(f"{s.allowed_at_head} by an allow marker on their line at HEAD")
    n = s.baselined + s.allowed_at_head
    return f"credgate: {n} known finding{'s' * (n != 1)} accepted ({', '.join(parts)}); not shown"


def write_text(report: Report, out: TextIO, err: TextIO, verbose: bool) -> None:
    for line in warnings(report):
        print(line, file=err)
    if verbose:
        for path in report.stats.binary:
            print(f"credgate: binary file {safe(path)}: searched for high-confidence tokens only", file=err)
    notices = [f for f in report.findings if not f.blocking]
    findings = [f for f in report.findings if f.blocking]
    if notices:
        _write_notices(notices, out)
    # A range scan always ends with its summary: "scanned 0 commits" must never look like a pass.
    always = report.kind == "range"
    if not findings:
        if verbose or always:
            print(summary(report), file=err)
        return
    n = len(findings)
    noun = "secret" if all(f.secret for f in findings) else "finding"  # a gate-config change holds no secret
    print(f"credgate: {n} {noun}{'s' * (n != 1)} found in {safe(report.scope)}\n", file=out)
    for f in findings:
        extra = f"severity {f.severity}, confidence {f.confidence}"
        if f.commit:
            extra = f"commit {f.commit[:12]}, " + extra
        if f.note:
            extra += f"; {safe(f.note)}"
        print(f"  {safe(f.path)}:{f.line}:{f.col}  {f.rule_id}  {safe(f.rule_name)}  ({extra})", file=out)
        if f.secret:
            print(f"      secret  {f.redacted()}", file=out)
        print(f"      {'rotate' if f.secret else 'fix   '}  {safe(f.hint)}", file=out)
        if f.url:
            print(f"              {safe(f.url)}", file=out)
    steps = [
        "Rotate first: assume anything that reached a commit or a shared file is exposed (see 'rotate')."
    ]
    if report.kind == "history":
        paths = sorted({f.path for f in findings})
        args = " ".join(f"--path {shlex.quote(safe(p))}" for p in paths[:5])
        steps.append(
            "Rotate every one of them, then purge history: whole files with "
            f"git filter-repo --invert-paths {args}, values with git filter-repo --replace-text FILE."
        )
        steps.append(
            "Force-push the rewritten refs and have every clone re-clone: old clones still hold them."
        )
    elif report.kind == "range":
        first = report.base[:12] if report.base else "<the last pushed commit>"
        steps.append(
            f"Rewrite the commits that add it before they leave this machine: git rebase -i {first} "
            "(edit each commit named above; for the last commit alone: git commit --amend)."
        )
        if any(f.path.endswith(" (commit message)") for f in findings):
            steps.append(
                f"A secret in a commit message: git rebase -i {first} and mark that commit `reword` "
                "(the last commit alone: git commit --amend)."
            )
        if any(" (message of tag " in f.path for f in findings):
            steps.append("A secret in a tag message: delete the tag (git tag -d NAME) and create it again.")
        steps.append(
            "If any of these commits was already pushed elsewhere, rewriting does not unpublish it: rotate."
        )
    elif report.kind != "files":
        for path in sorted({f.path for f in findings}):
            quoted = shlex.quote(safe(path))
            if path in report.new_files:
                steps.append(f"Unstage the file: git rm --cached -- {quoted}  (then add it to .gitignore)")
            else:
                steps.append(f"Remove the value from {safe(path)}, then re-stage it: git add -- {quoted}")
    steps.append("Read the value from an environment variable or a secret manager instead of the file.")
    steps.append(
        "Not a secret? Add `credgate:allow` (or `credgate:allow=RULE-ID`) in a comment on that line."
    )
    print("\nHow to fix:", file=out)
    for i, step in enumerate(steps, 1):
        print(f"  {i}. {step}", file=out)
    if verbose or always:
        print(summary(report), file=err)


def _write_notices(notices: list[Finding], out: TextIO) -> None:
    from credgate.engine.scanner import advisory_text

    n = len(notices)
    print(f"credgate: {n} notice{'s' * (n != 1)} (not blocking: probably not real secrets)", file=out)
    for f in notices:
        where = f"{safe(f.path)}:{f.line}:{f.col}"
        print(f"  {where}  {f.rule_id}  {f.redacted()}  {safe(advisory_text(f.advisory))}", file=out)
    print(
        '  A real one? Rotate it all the same. To make notices block: notices = "block" in .credgate.toml.\n',
        file=out,
    )


def to_json(report: Report, exit_code: int) -> str:
    s = report.stats
    doc = {
        "tool": "credgate",
        "version": __version__,
        "scope": safe(report.scope),
        "exit_code": exit_code,
        "findings": [
            {
                "path": safe(f.path),
                "line": f.line,
                "col": f.col,
                "end_line": f.end_line,
                "rule": f.rule_id,
                "rule_name": safe(f.rule_name),
                "severity": f.severity,
                "confidence": f.confidence,
                "secret": f.redacted(),
                "note": safe(f.note),
                "blocking": f.blocking,
                **({"advisory": f.advisory} if f.advisory else {}),
                **({"commit": f.commit} if f.commit else {}),
                **dict(f.extra),
                "hint": safe(f.hint),
                "url": safe(f.url),
            }
            for f in report.findings
        ],
        "stats": {
            "files": s.files,
            "bytes": s.bytes,
            "binary": [safe(p) for p in s.binary],
            "too_large": [{"path": safe(p), "size": n} for p, n in s.too_large],
            "unreadable": [safe(p) for p in s.unreadable],
            "commits": s.commits,
            "excluded": s.excluded,
            "suppressed": s.suppressed,
            "not_blocking": s.not_blocking,
            "baselined": s.baselined,
            "allowed_at_head": s.allowed_at_head,
        },
        "accepted": [
            {
                "path": safe(f.path),
                "line": f.line,
                "rule": f.rule_id,
                "secret": f.redacted(),
                **({"commit": f.commit} if f.commit else {}),
                **dict(f.extra),
            }
            for f in report.accepted
        ],
    }
    return output_escape.dumps_json(doc)


def redact_message(message: str) -> str:
    """An exception text may quote scanned content: mask every token-like run in it."""
    import re

    def mask(m: re.Match[str]) -> str:
        return m.group(0)[:4] + "****"

    return safe(re.sub(r"[A-Za-z0-9+/=_\-.]{12,}", mask, message[:300]))
