"""What a scan found and what it covered: the data every gate fills and every output format renders.

No formatting here (output/ renders a Report); `Stats.merge` lets a scan of one file fill its own Stats
and hand it back, so files can be scanned apart (a worker pool) and still add up to one report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from credgate.engine.finding import Finding


@dataclass
class Stats:
    """What a scan read, skipped and accepted: the counts behind the summary line."""

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
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why): FIFOs, devices, submodules
    ignored: int = 0  # files a directory scan left out because .gitignore ignores them
    # Findings an inline marker allowed (on the lines judged): JSON and SARIF list them, text counts them.
    inline_allowed: list[Finding] = field(default_factory=list)

    def merge(self, other: Stats) -> None:
        """Add other's counts and lists to these (in order: merged file by file, lists keep scan order)."""
        for f in fields(Stats):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, list):
                mine.extend(theirs)
            elif theirs:
                # An assignment, not an in-place change: a progress bar's Stats counts through setattr.
                setattr(self, f.name, mine + theirs)


@dataclass
class Report:
    """A finished scan for output to render: the findings, the stats and what the fix steps need."""

    scope: str  # "staged changes" or "files"
    findings: list[Finding]
    stats: Stats
    new_files: set[str] = field(default_factory=set)  # staged as added: `git rm --cached` applies
    max_size: int = 0
    base: str = ""  # for range scans: the commit the range starts after, for the rewrite hint
    kind: str = ""  # "staged", "files", "range" or "history": what the fix steps say
    accepted: list[Finding] = field(default_factory=list)  # by the baseline or a marker: not blocking
    notes: list[str] = field(default_factory=list)  # stderr lines about the baseline itself
    # Paths the credential-file gate blocks by name (.env.master, id_rsa): only these are unstaged and
    # gitignored, or removed whole from history; in docs and source the value is replaced instead.
    credential_files: set[str] = field(default_factory=set)
    # `scan` and `history` end with the summary line even without -v, as range scans always do.
    summarize: bool = False


def human_size(n: int) -> str:
    """A byte count for people: 812 B, 1.5 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)
