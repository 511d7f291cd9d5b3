"""What `credgate baseline` changes: the findings of today against the baseline on file.

`plan` reads and scans and decides (nothing is written); `write`, `remove_legacy` and
`union_merge` then change the files, one step each, so the command can say what it did after
each one. No click and no printing here: output/baseline.py says it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import partial

from credgate import baseline as bl
from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.errors import InternalError, UsageError
from credgate.gate.report import Stats
from credgate.gate.scanning import build_scanner, read_disk, scan_into


def current_findings(cfg: config_mod.Config, root: str) -> list[Finding]:
    """The blocking findings in the files git lists at the root, tracked or not ignored (`scan .`)."""
    scanner = build_scanner(cfg)
    stats = Stats()
    findings: list[Finding] = []
    names, _ = gitio.list_files_below(root, include_ignored=False)
    for name in names:
        file = os.path.join(root, os.fsdecode(name))
        rel = os.path.relpath(file, root)
        if not os.path.lexists(file) or cfg.is_excluded(rel):
            continue
        data = read_disk(file, cfg.max_file_size, stats, rel)
        if data is not None:
            scan_into(scanner, data, rel, None, True, stats, findings)
    if stats.unreadable:
        raise InternalError(
            f"{len(stats.unreadable)} file(s) could not be read, so the baseline was not changed",
            "check file permissions and run it again",
        )
    return [f for f in findings if f.blocking]


def history_findings(cfg: config_mod.Config) -> list[Finding]:
    """Today's `credgate history` findings, less those an allow marker at HEAD already accepts."""
    # Imported here: only `credgate baseline --history` walks the history.
    from credgate.gate import history
    from credgate.gate.report import Report

    stats = Stats()
    report = Report("commits of all refs", history.collect(cfg, False, stats), stats, kind="history")
    return history.accept_known(report, cfg).findings


def write(target: str, entries: set[bl.Entry]) -> None:
    """Atomically, through a temporary file created exclusively (never through a planted link)."""
    tmp = f"{target}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="ascii", newline="\n") as fh:
            fh.write(bl.render(entries))
        os.replace(tmp, target)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class UnionMerge:
    """What `union_merge` did: `added` the line, found it `present`, or left it `by-hand` (`rel`)."""

    outcome: str
    rel: str
    line: str = ""


def union_merge(root: str, target: str) -> UnionMerge:
    """A `merge=union` line for the baseline in the root .gitattributes, so merges keep both sides."""
    rel = os.path.relpath(target, root).replace(os.sep, "/")
    if rel.startswith("..") or any(c in rel for c in ' \t\n"\\*?[') or not rel:
        return UnionMerge("by-hand", rel)
    line = f"/{rel} {bl.ATTRIBUTE}"
    path = os.path.join(root, ".gitattributes")
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
    except FileNotFoundError:
        text = ""
    for existing in text.splitlines():
        words = existing.split()
        if words and words[0].lstrip("/") == rel and bl.ATTRIBUTE in words[1:]:
            return UnionMerge("present", rel, line)
    if os.path.islink(path):
        raise UsageError(
            ".gitattributes is a symbolic link, so credgate does not write it", f"add `{line}` to it"
        )
    with open(path, "a", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
    return UnionMerge("added", rel, line)


@dataclass
class Plan:
    """What today's findings change in the baseline, decided before anything is written."""

    root: str
    target: str
    legacy_path: str | None
    entries: set[bl.Entry]  # what the file will hold
    legacy: bl.Baseline | None = None
    not_in_detect_secrets: int | None = None  # --from-detect-secrets: findings it did not list
    unmatched: list[bl.Entry] = field(default_factory=list)  # kept, matching nothing today
    converted: list[tuple[bl.Addition, str]] = field(default_factory=list)  # (finding, old path)
    gone: list[tuple[str, str]] = field(default_factory=list)  # old-format (path, rule) not found
    moved: list[tuple[bl.Entry, bl.Addition]] = field(default_factory=list)
    stale: list[bl.Entry] = field(default_factory=list)
    new: list[bl.Addition] = field(default_factory=list)
    accept_new: bool = False
    changes: bool = False

    @property
    def fresh(self) -> bool:
        return not os.path.lexists(self.target)

    @property
    def blocked(self) -> bool:
        """Findings the baseline does not accept and this run did not add (exit 1)."""
        return bool(self.new) and not self.accept_new


def plan(
    *,
    output: str | None = None,
    add: bool = False,
    history: bool = False,
    prune: bool = False,
    from_detect_secrets: str | None = None,
    config_path: str | None = None,
) -> Plan:
    root = gitio.toplevel()
    cfg = config_mod.find(root, config_path)
    configured = cfg.baseline
    cfg.baseline = None  # the scan below sees every finding, not what the baseline hides
    legacy_path: str | None = None
    if output:
        target = os.path.abspath(output)
    elif configured and os.path.basename(configured) == bl.LEGACY_NAME:
        target, legacy_path = os.path.join(root, bl.BASELINE_NAME), configured
    else:
        target = configured or os.path.join(root, bl.BASELINE_NAME)

    existing: bl.Baseline | None = None
    if os.path.lexists(target):
        existing = bl.load(target)  # conflict markers, a broken line: exit 2 with how to fix it
        if existing.legacy:
            legacy_path, existing = target, None
    legacy = bl.load(legacy_path) if legacy_path else None

    read = bl.make_reader(root, cfg.max_file_size)
    if history:
        read = bl.history_reader(read)
    renames = bl.rename_links(existing or bl.Baseline(target), configured, "HEAD", root, work_tree=True)
    if history:
        found = [v for f in history_findings(cfg) for v in bl.history_views(f)]
    else:
        found = current_findings(cfg, root)
    current = bl.entries_for(found, root, read)

    p = Plan(root, target, legacy_path, set(existing.entries) if existing else set(), legacy)
    if from_detect_secrets:
        known = bl.detect_secrets_hashes(from_detect_secrets)
        listed = [
            a for a in current if bl.detect_secrets_hash(a.finding.secret) in known.get(a.entry.path, set())
        ]
        p.not_in_detect_secrets = len(current) - len(listed)
        current = listed

    entries = p.entries
    base = bl.Baseline(target, set(entries))
    hits: set[bl.Entry] = set()  # entries a current finding matches (directly or through a rename)
    used_legacy: set[bl.Entry] = set()
    for a in current:
        f = a.finding
        hit = a.entry if history and a.entry in entries else None
        if not history:
            hit = base.match(f, a.entry.path, renames, partial(read, f))
        if hit is not None:
            hits.add(hit)
            if hit.path != a.entry.path or hit.key != a.entry.key:
                p.moved.append((hit, a))  # renamed since, or an old value key: rewrite it to today's
            continue
        if legacy is not None:
            fp = "v1:" + bl._pbkdf2(f.rule_id, f.secret)  # what version 1 stored, for any value
            labelled = sorted(
                (e for e in legacy.entries if e.rule == f.rule_id and e.key == fp), key=lambda e: e.path
            )
            if labelled:
                used_legacy.update(labelled)
                p.converted.append((a, labelled[0].path))
                continue
        p.new.append(a)

    unmatched = [] if history else sorted(e for e in entries if e not in hits)
    if prune:
        p.stale = unmatched
    else:
        p.unmatched = unmatched
    if legacy is not None:
        p.gone = sorted({(e.path, e.rule) for e in legacy.entries if e not in used_legacy})

    creating = existing is None and legacy is None
    p.accept_new = creating or add or history or bool(from_detect_secrets)
    p.changes = bool(
        p.moved or p.converted or p.stale or (p.accept_new and p.new) or creating or legacy is not None
    )
    if not p.changes:
        return p

    entries |= {a.entry for a, _ in p.converted}
    stored = {e: e for e in entries}  # entries compare without their reason: find the one on file
    for old_entry, a in p.moved:
        if old_entry.path == a.entry.path or not os.path.lexists(os.path.join(root, old_entry.path)):
            entries.discard(old_entry)  # the file is gone (or the key is refreshed): the entry follows
        entries.add(dataclasses.replace(a.entry, reason=stored.get(old_entry, old_entry).reason))
    entries -= set(p.stale)
    if p.accept_new:
        entries |= {a.entry for a in p.new}
    return p


def remove_legacy(p: Plan) -> str | None:
    """Delete the old-format file the new one replaces; its path, or None when there is none."""
    if p.legacy_path and os.path.abspath(p.legacy_path) != os.path.abspath(p.target):
        os.unlink(p.legacy_path)
        return p.legacy_path
    return None
