"""What a postmortem draft contains: the facts credgate can establish about a leak.

Facts come from the history scan (which secret, which file, which commit, when) and from the audit
(was `.gitignore` covering the file, was a hook or a CI gate enforcing anything). What only people know
is left for the draft (`output.incident`, the incident document's postmortem template) to mark as a
visible TODO. The audit's checks are handed over as they are (facts); the draft words them through
`output.audit`, as `credgate audit` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.errors import UsageError
from credgate.gate.history import collect
from credgate.gate.report import Stats

if TYPE_CHECKING:
    from credgate.gate.audit import Check

CRITICAL_PROVIDERS = (
    "aws-",
    "gcp-",
    "google-",
    "azure-",
    "stripe-",
    "github-",
    "private-key",
    "openai-",
    "anthropic-",
)
# The audit's checks whose failure explains how a credential got committed, and those that would have
# caught it.
CAUSES = ("gitignore", "tracked", "history")
GATES = ("hooks", "ci")


def _extra(f: Finding, key: str) -> Any:
    return dict(f.extra).get(key)


def introduced(f: Finding) -> datetime:
    return datetime.fromisoformat(str(_extra(f, "introduced_date")))


def all_paths(f: Finding) -> list[str]:
    """Every path the secret appeared in, the introducing one first."""
    listed = _extra(f, "paths")
    paths = list(listed) if isinstance(listed, list) and listed else [f.path]
    return paths if f.path in paths else [f.path, *paths]


def head_paths(f: Finding) -> list[str]:
    """The paths at HEAD that still hold the secret."""
    return list(_extra(f, "head_paths") or [])


@dataclass
class Gate:
    """Whether a local hook or a CI gate was enforcing anything: "in place", "NOT in place", "unknown"
    (a CI system credgate cannot read) or "unchecked", with the audit's check that says why."""

    name: str
    state: str
    check: Check


@dataclass
class Postmortem:
    repo: str
    now: datetime
    findings: list[Finding]  # oldest introduction first
    severe: bool  # live cloud, payment, VCS or signing credentials: P0
    files: list[str]  # every file any of them appeared in
    at_head: list[Finding]  # still present at HEAD
    # The audit's failed checks that explain why it broke; None when no check failed.
    why_broke: list[Check] | None
    gates: list[Gate]

    @property
    def first(self) -> datetime:
        return introduced(self.findings[0])

    @property
    def last(self) -> datetime:
        return introduced(self.findings[-1])

    @property
    def days(self) -> int:
        return (self.now - self.first).days


def judge(findings: list[Finding], checks: list[Check], repo: str, now: datetime) -> Postmortem:
    """The draft's facts from the history's findings and the audit's checks."""
    findings = sorted(findings, key=introduced)
    severe = any(f.rule_id.startswith(CRITICAL_PROVIDERS) or f.severity == "critical" for f in findings)
    files = sorted({p for f in findings for p in _extra(f, "paths") or [f.path]})
    by_name = {c.name: c for c in checks}
    failed = [by_name[n] for n in CAUSES if by_name.get(n) is not None and by_name[n].safe is False]
    why_broke = failed or None
    gates = []
    for name in GATES:
        check = by_name.get(name)
        if check is None:
            continue
        if check.unknown:
            state = "unknown"
        elif check.safe is None:
            state = "unchecked"
        else:
            state = "in place" if check.safe else "NOT in place"
        gates.append(Gate(name, state, check))
    at_head = [f for f in findings if _extra(f, "present_at_head")]
    return Postmortem(repo, now, findings, severe, files, at_head, why_broke, gates)


def repo_name(layout: gitio.Layout) -> str:
    """The work tree's name; a mirror clone (`name.git`) has none: named after its git directory."""
    where = layout.work_tree or layout.git_dir
    repo = os.path.basename(where.rstrip(os.sep))
    if layout.work_tree is None and repo.endswith(".git") and len(repo) > 4:
        repo = repo[:-4]
    return repo


def postmortem(
    cfg: config_mod.Config, include_reflog: bool, config_path: str | None, now: datetime | None = None
) -> Postmortem | None:
    """The postmortem's facts, or None when no ref's history holds a secret (there is no incident)."""
    findings = collect(cfg, include_reflog, Stats())
    if not findings:
        return None
    from credgate.gate.audit import audit  # gate/audit imports much: only when there is an incident

    checks = audit(config_path=config_path)
    repo = repo_name(gitio.layout())
    return judge(findings, checks, repo, now or datetime.now(timezone.utc))


def write_new_file(path: str, data: bytes) -> None:
    """Create path and write data, or refuse: never overwrite, never write through a link.

    O_CREAT|O_EXCL fails on any existing entry, a dangling symlink included (a plain exists()
    check says False for one, and open() would then create the file the link points to).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        kind = "is a symbolic link" if os.path.islink(path) else "exists"
        raise UsageError(
            f"{path} {kind}; credgate never overwrites a file or writes through a link",
            "choose another --output path",
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot create {path}: {exc.strerror}", "choose another --output path") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
