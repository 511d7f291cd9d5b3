"""`credgate baseline`: accept reviewed findings so the gate blocks only new ones.

Scans the files git lists (as `credgate scan .` does). Each entry binds a finding to its path,
rule and value key (see credgate.baseline); nothing is accepted without being printed:

- no baseline yet: it is created with every current finding, and `.gitattributes` gets a
  `merge=union` line for it, so two branches that each accept a finding merge cleanly;
- a baseline exists: nothing is written; the findings it does not accept are listed, and
  `--add` accepts them (printing each one). Re-running it over a merge therefore never
  re-accepts anything silently, and a file with conflict markers is refused (exit 2);
- `--history` accepts today's `credgate history` findings, one entry per path they appeared in;
- `--prune` drops entries that match nothing today;
- an entry for a file git saw renamed since is rewritten to the new path (printed; it accepts
  nothing it did not accept before);
- an old-format `.credgate-baseline.json` is converted (each converted entry is printed);
- `--from-detect-secrets` accepts only findings whose value a detect-secrets `.secrets.baseline`
  already recorded for the same file (and that an audit did not mark as a real secret).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from functools import partial
from typing import TextIO

import click

from credgate import baseline as bl
from credgate import config as config_mod
from credgate import gitio
from credgate.commands._common import build_scanner, read_disk, scan_into
from credgate.commands.scan import iter_files
from credgate.engine.finding import Finding
from credgate.errors import CLEAN, FINDINGS, InternalError, UsageError
from credgate.report import Stats, safe


def _current_findings(cfg: config_mod.Config, root: str) -> list[Finding]:
    scanner = build_scanner(cfg)
    stats = Stats()
    findings: list[Finding] = []
    for file in iter_files(root, use_git=True, include_ignored=False):
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


def _history_findings(cfg: config_mod.Config) -> list[Finding]:
    """Today's `credgate history` findings, less those an allow marker at HEAD already accepts."""
    from credgate.commands import history
    from credgate.report import Report

    stats = Stats()
    report = Report("commits of all refs", history.collect(cfg, False, stats), stats, kind="history")
    return history.accept_known(report, cfg).findings


def _describe(a: bl.Addition, sign: str) -> str:
    f = a.finding
    if f.commit == "HEAD":
        where = "in history, still at HEAD"
    else:
        where = f"in history, added by {f.commit[:12]}" if f.commit else f"line {f.line}"
    return f"  {sign} {safe(a.entry.path)}  {a.entry.rule}  {f.redacted()}  ({where})"


def _write(target: str, entries: set[bl.Entry]) -> None:
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


def ensure_union_merge(root: str, target: str, out: TextIO) -> None:
    """A `merge=union` line for the baseline in the root .gitattributes, so merges keep both sides."""
    rel = os.path.relpath(target, root).replace(os.sep, "/")
    if rel.startswith("..") or any(c in rel for c in ' \t\n"\\*?[') or not rel:
        print(
            f"credgate: add `{safe(rel)} {bl.ATTRIBUTE}` to .gitattributes by hand so merges keep both sides",
            file=out,
        )
        return
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
            return
    if os.path.islink(path):
        raise UsageError(
            ".gitattributes is a symbolic link, so credgate does not write it", f"add `{line}` to it"
        )
    with open(path, "a", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
    print(f"credgate: added `{line}` to .gitattributes (commit it with the baseline)", file=out)


def run(
    *,
    output: str | None = None,
    add: bool = False,
    history: bool = False,
    prune: bool = False,
    from_detect_secrets: str | None = None,
    config_path: str | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
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
    shown = safe(os.path.relpath(target))

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
        found = [v for f in _history_findings(cfg) for v in bl.history_views(f)]
    else:
        found = _current_findings(cfg, root)
    current = bl.entries_for(found, root, read)

    if from_detect_secrets:
        known = bl.detect_secrets_hashes(from_detect_secrets)
        listed = [
            a for a in current if bl.detect_secrets_hash(a.finding.secret) in known.get(a.entry.path, set())
        ]
        print(
            f"credgate: {len(current) - len(listed)} finding(s) were not in the detect-secrets baseline "
            "and still block",
            file=out,
        )
        current = listed

    entries: set[bl.Entry] = set(existing.entries) if existing else set()
    base = bl.Baseline(target, set(entries))
    new: list[bl.Addition] = []
    moved: list[tuple[bl.Entry, bl.Addition]] = []
    converted: list[tuple[bl.Addition, str]] = []
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
                moved.append((hit, a))  # renamed since, or an old value key: rewrite it to today's
            continue
        if legacy is not None:
            fp = "v1:" + bl._pbkdf2(f.rule_id, f.secret)  # what version 1 stored, for any value
            labelled = sorted(
                (e for e in legacy.entries if e.rule == f.rule_id and e.key == fp), key=lambda e: e.path
            )
            if labelled:
                used_legacy.update(labelled)
                converted.append((a, labelled[0].path))
                continue
        new.append(a)

    stale: list[bl.Entry] = []
    unmatched = [] if history else sorted(e for e in entries if e not in hits)
    if prune:
        stale = unmatched
    elif unmatched:
        n = len(unmatched)
        what = f"1 entry in {shown} matches" if n == 1 else f"{n} entries in {shown} match"
        print(
            f"credgate: {what} nothing today (the value left that path); "
            "`credgate baseline --prune` removes them",
            file=out,
        )

    creating = existing is None and legacy is None
    accept_new = creating or add or history or bool(from_detect_secrets)
    changes = bool(moved or converted or stale or (accept_new and new) or creating or legacy is not None)

    if converted or legacy is not None:
        print(
            f"credgate: converting the old-format baseline {safe(os.path.relpath(legacy_path or ''))}:",
            file=out,
        )
        for a, was in converted:
            note = "" if was == a.entry.path else f"  [was labelled {safe(was)}]"
            print(_describe(a, "=") + note, file=out)
        gone = sorted(
            {(e.path, e.rule) for e in (legacy.entries if legacy else set()) if e not in used_legacy}
        )
        for path, rule in gone:
            print(f"  - {safe(path)}  {rule}  (not found in any file today: not converted)", file=out)
    for old_entry, a in moved:
        why = (
            f"renamed from {safe(old_entry.path)}"
            if old_entry.path != a.entry.path
            else "fingerprint updated"
        )
        print(_describe(a, ">") + f"  [{why}]", file=out)
    for e in stale:
        print(f"  - {safe(e.path)}  {e.rule}  (matches nothing today: removed)", file=out)
    if new and accept_new:
        print(f"credgate: accepting {len(new)} finding(s) in {shown}:", file=out)
        for a in new:
            print(_describe(a, "+"), file=out)
    elif new:
        print(f"credgate: {len(new)} finding(s) are not in {shown}:", file=out)
        for a in new:
            print(_describe(a, "?"), file=out)
        print(
            "credgate: nothing was written. Review them; rotate real ones; accept the rest with "
            "`credgate baseline --add`",
            file=out,
        )

    if not changes:
        if not new:
            print(f"credgate: {shown} already accepts every current finding; nothing to add", file=out)
        return FINDINGS if new else CLEAN

    entries |= {a.entry for a, _ in converted}
    stored = {e: e for e in entries}  # entries compare without their reason: find the one on file
    for old_entry, a in moved:
        if old_entry.path == a.entry.path or not os.path.lexists(os.path.join(root, old_entry.path)):
            entries.discard(old_entry)  # the file is gone (or the key is refreshed): the entry follows
        entries.add(dataclasses.replace(a.entry, reason=stored.get(old_entry, old_entry).reason))
    entries -= set(stale)
    if accept_new:
        entries |= {a.entry for a in new}
    fresh = not os.path.lexists(target)
    _write(target, entries)
    print(f"credgate: wrote {shown} with {len(entries)} accepted finding(s)", file=out)
    if legacy_path and os.path.abspath(legacy_path) != os.path.abspath(target):
        os.unlink(legacy_path)
        print(
            f"credgate: removed {safe(os.path.relpath(legacy_path))}: commit its removal with the new file",
            file=out,
        )
    if fresh:
        ensure_union_merge(root, target, out)  # when creating it: a user who removed the line meant it
    if entries:
        print(
            "credgate: a baseline stops the gate from repeating known findings; it does not make them "
            "safe. Rotate every real credential it lists.",
            file=out,
        )
    return FINDINGS if new and not accept_new else CLEAN


@click.command("baseline")
@click.option("--add", is_flag=True, help="Accept the current findings the baseline does not accept yet "
              "(each one is printed).")  # fmt: skip
@click.option("--history", is_flag=True, help="Accept the findings `credgate history` reports, bound to "
              "every path they appeared in.")  # fmt: skip
@click.option("--prune", is_flag=True, help="Remove entries that match no current finding.")
@click.option("--output", type=click.Path(dir_okay=False), help="Where to write it (default: "
              f"{bl.BASELINE_NAME} at the repository root).")  # fmt: skip
@click.option(
    "--from-detect-secrets",
    type=click.Path(dir_okay=False, exists=True),
    help="Accept only what this detect-secrets .secrets.baseline already lists.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use "
              "instead of .credgate.toml at the repository root.")  # fmt: skip
@click.pass_context
def command(
    ctx: click.Context,
    add: bool,
    history: bool,
    prune: bool,
    output: str | None,
    from_detect_secrets: str | None,
    config_path: str | None,
) -> None:
    """Accept reviewed findings in a baseline, so only new ones block.

    Creates the baseline when there is none. Otherwise lists what it does not accept and
    changes nothing unless --add, --history or --prune says what to change.
    """
    ctx.exit(
        run(
            output=output,
            add=add,
            history=history,
            prune=prune,
            from_detect_secrets=from_detect_secrets,
            config_path=config_path,
        )
    )
