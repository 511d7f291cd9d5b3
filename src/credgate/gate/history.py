"""Every secret ever committed on any ref, once each: what `history`, `remediate` and `incident` decide.

Streams `git log` over all refs (newest first), so memory holds findings, not history. Each secret is
kept once, at the commit that introduced it, with its author date, every path it appeared in, and
whether HEAD still has it: the questions a rotation and a history rewrite need answered. No printing
here: the sentence a finding carries about these facts is written by `output.history`.

The unit of work a pool maps over is `scan_share(Share)`: the commits of one share of the history,
scanned with nothing shared but an optional progress counter, returning its findings and its stats.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import InternalError, UsageError
from credgate.gate import range_files as _range_files
from credgate.gate.at_head import allowed_in_chunks, present_at_head
from credgate.gate.credential_files import credential_files, paths_of
from credgate.gate.parallel import Background, workers_available
from credgate.gate.range_refs import Range
from credgate.gate.ranges import iter_added_findings, scan_tips
from credgate.gate.repo_config import committed_config as committed_config
from credgate.gate.repo_config import load_config as load_config
from credgate.gate.report import Report, Stats
from credgate.gate.scanning import CHUNK, STREAM_ABOVE, build_scanner
from credgate.output.progress import Bar, counting_stats  # ticks only: the walk counts, output draws

if TYPE_CHECKING:
    from credgate import baseline as baseline_mod


@dataclass
class Introduced:
    finding: Finding  # where and when it first appeared
    date: int
    paths: list[str] = field(default_factory=list)
    commits: int = 0


PARALLEL_MIN_COMMITS = 2000  # below this, starting a second process costs more than it saves
SHARES_PER_WORKER = 4


Added = tuple[int, int, Finding]  # (commit time, rank: larger is older at equal times, finding)


# What moves the progress bar while commits are scanned (set by `collect` on a terminal only): the
# bar itself, or in a worker process a counter the parent reads. A global, because the workers
# are forked with it (a shared counter cannot be pickled into a pool's arguments).
_TICK: Bar | _SharedCount | None = None


class _SharedCount:
    """The commits the workers have scanned, in shared memory (the parent draws the bar)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def update(self, n: int = 1, nbytes: int = 0) -> None:
        if n:
            with self.value.get_lock():
                self.value.value += n


@dataclass(frozen=True)
class Share:
    """One worker's share of the history: every `stride`-th commit of the range from `offset`."""

    scanner: Scanner
    rng: Range
    max_size: int
    offset: int = 0
    stride: int = 1
    large: gitio.LargeAdds | None = None  # found once for every share


def scan_share(share: Share) -> tuple[list[Added], Stats]:
    """The findings (with commit time and walk rank) of one share, and what it scanned.

    Self-contained: arguments in, results out, so a process pool can map it over shares; the
    serial path is the same call with one share holding every commit."""
    stats = counting_stats(_TICK, "commits") if _TICK is not None else Stats()
    order = {sha: share.offset + i * share.stride for i, sha in enumerate(share.rng.commits or ())}
    found: list[Added] = []
    seen: dict[str, int] = {}
    shares = iter_added_findings(
        share.scanner, [share.rng], share.max_size, stats, patch_only=True, large=share.large
    )
    for c, f in shares:
        if not f.blocking:
            continue  # history, remediation and postmortems are about secrets, not placeholders
        # git walks newest first: the later a commit comes, the older it is.
        rank = order[c.sha] if c.sha in order else seen.setdefault(c.sha, len(seen))
        found.append((c.time, rank, f))
    return found, stats


def _merge(total: Stats, part: Stats) -> None:
    for name in ("files", "bytes", "commits", "suppressed", "excluded", "not_blocking"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.binary.extend(part.binary)
    total.too_large.extend(part.too_large)
    total.unreadable.extend(part.unreadable)


def _added(
    scanner: Scanner, rng: Range, max_size: int, stats: Stats, alongside: Callable[[], Any] | None = None
) -> list[Added]:
    """Every (commit time, finding) in the range, split over the cores when the history is long.

    `alongside` runs on a thread while the workers scan (git does most of its work), or after a serial scan.
    """
    workers = min(workers_available(), 4)
    finding_large = Background(lambda: gitio.large_additions(rng.revs, STREAM_ABOVE))  # while rev-list runs
    shas = gitio.rev_list(rng.revs) if workers > 1 else []
    large = finding_large.result()
    if len(shas) < PARALLEL_MIN_COMMITS:
        alone, part = scan_share(Share(scanner, rng, max_size, large=large))
        _merge(stats, part)
        if alongside is not None:
            alongside()
        return alone
    import multiprocessing

    # Runs of neighbouring commits, not every n-th commit: git reads a run's objects from the same
    # stretch of its packs (sympy: 18.9 s of git CPU in two halves, 21.2 s interleaved). Four runs per
    # worker, handed out as workers free up, even out runs that hold more or larger changes.
    size = -(-len(shas) // (workers * SHARES_PER_WORKER))
    shares = [
        Share(
            scanner,
            Range(rng.tip, rng.exclude, rng.label, tuple(shas[at : at + size])),
            max_size,
            at,
            1,
            large,
        )
        for at in range(0, len(shas), size)
    ]
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    global _TICK
    bar = _TICK if isinstance(_TICK, Bar) else None
    shared = context.Value("q", 0) if bar is not None else None
    _TICK = _SharedCount(shared) if shared is not None else None
    try:
        with context.Pool(workers) as pool:
            # The workers are forked by now: a thread may start (see Background).
            beside = Background(alongside) if alongside is not None else None
            pending = pool.map_async(scan_share, shares, chunksize=1)
            while bar is not None and shared is not None and not pending.ready():
                pending.wait(0.2)
                bar.update(shared.value - bar.count)
            results = pending.get()
            if bar is not None and shared is not None:
                bar.update(shared.value - bar.count)
            if beside is not None:
                beside.result()
    finally:
        _TICK = bar
    found: list[Added] = []
    for part_found, part_stats in results:
        found.extend(part_found)
        _merge(stats, part_stats)
    return found


_REF_FLAGS = {"--all": "refs/", "--branches": "refs/heads/", "--tags": "refs/tags/"}


def _tip_findings(scanner: Scanner, revs: tuple[str, ...], max_size: int, stats: Stats) -> list[Added]:
    """What refs hold besides commits: annotated tags' messages, and blobs or trees a ref points at."""
    prefixes = tuple(p for flag, p in _REF_FLAGS.items() if flag in revs)
    tips = [
        (sha, name)
        for sha, kind, name in (gitio.ref_objects() if prefixes else [])
        if kind != "commit" and name.startswith(prefixes) and not name.startswith("refs/credgate-backup/")
    ]
    tips += [(rev, rev) for rev in revs if not rev.startswith(("-", "^")) and ".." not in rev]
    return [(when, 0, f) for when, f in scan_tips(scanner, tips, max_size, stats) if f.blocking]


def introductions(
    cfg: config_mod.Config,
    revs: tuple[str, ...],
    label: str,
    stats: Stats,
    alongside: Callable[[], Any] | None = None,
) -> list[Introduced]:
    """Each secret on the given refs once, at the oldest commit that added it, oldest first."""
    scanner = build_scanner(cfg)
    rng = Range(revs[0], revs[1:], label)
    by_secret: dict[tuple[str, bytes], Introduced] = {}
    try:
        added = _added(scanner, rng, cfg.max_file_size, stats, alongside)
    except gitio.GitCommandError as exc:
        raise InternalError(
            f"could not read the history: {exc.message}", "run `git fsck` and fetch missing objects"
        ) from None
    added += _tip_findings(scanner, revs, cfg.max_file_size, stats)
    ranks: dict[tuple[str, bytes], int] = {}
    for when, rank, f in added:
        if cfg.is_excluded(f.path):
            continue
        key = (f.rule_id, f.secret)
        entry = by_secret.get(key)
        if entry is None:
            entry = by_secret[key] = Introduced(f, when)
            ranks[key] = rank
        elif (when, -rank) < (entry.date, -ranks[key]):
            # The oldest commit that adds it is where it came in; at equal times, the one git walked last.
            entry.finding, entry.date, ranks[key] = f, when, rank
        entry.commits += 1
        if f.path not in entry.paths:
            entry.paths.append(f.path)
    secrets = sorted(by_secret.values(), key=lambda s: (s.date, s.finding.path, s.finding.line))
    for s in secrets:
        s.paths.sort(key=lambda p: (p != s.finding.path, p))  # the introducing path first
    return secrets


# Backups made by `credgate remediate --apply` hold the old history on purpose.
ALL_REFS = ("--exclude=refs/credgate-backup/*", "--all")


def history_revs(include_reflog: bool) -> tuple[str, ...]:
    """What `credgate history` walks: every ref but credgate's backups, and the reflog if asked."""
    return ALL_REFS + (("--reflog",) if include_reflog else ())


def collect(
    cfg: config_mod.Config,
    include_reflog: bool,
    stats: Stats,
    tick: Bar | None = None,
    alongside: Callable[[], Any] | None = None,
) -> list[Finding]:
    """Each secret once, at its introduction, with `extra` facts: date, paths, HEAD presence.

    `tick` (a progress bar that draws) is moved by every commit scanned, in the workers too; `alongside`
    runs while they scan (see _added)."""
    global _TICK
    revs = history_revs(include_reflog)
    label = "all refs" + (" and the reflog" if include_reflog else "")
    _TICK = tick
    try:
        secrets = introductions(cfg, revs, label, stats, alongside)
    finally:
        _TICK = None
    still = present_at_head(secrets, cfg.max_file_size)
    findings = []
    for i, s in enumerate(secrets):
        intro = datetime.fromtimestamp(s.date, timezone.utc)
        at_head = still.get(i, [])
        extra = (
            ("introduced_date", intro.isoformat()),
            ("paths", s.paths),
            ("commits_adding", s.commits),
            ("present_at_head", bool(at_head)),
            ("head_paths", at_head),
        )
        findings.append(replace(s.finding, extra=extra))
    return findings


def named_files(cfg: config_mod.Config, include_reflog: bool) -> list[Finding]:
    """Credential files by name that any ref reaches (the whole file leaves history, token or not)."""
    return _range_files.history_credential_files(cfg, history_revs(include_reflog), root_or_none())


def history_report(
    cfg: config_mod.Config,
    findings: list[Finding],
    stats: Stats,
    include_reflog: bool,
    named: list[Finding] | None = None,
) -> Report:
    """The history's report: the secrets found, credential files by name (named_files(), unless the
    caller found them already), less what the baseline or a marker at HEAD accepts."""
    refs = history_revs(include_reflog)
    if named is None:
        named = named_files(cfg, include_reflog)
    report = Report(
        "commits of all refs",
        findings,
        stats,
        max_size=cfg.max_file_size,
        kind="history",
        credential_files=credential_files(findings, cfg) | {f.path for f in named},
        summarize=True,
    )
    report = accept_known(report, cfg)
    # A file a secret was found in is named already (and accepted with it, if the baseline accepts it),
    # under every name it was renamed to since.
    covered = {p for f in findings for p in paths_of(f)}
    left = [f for f in named if f.path not in covered]
    if left and covered:
        moves: dict[str, list[str]] = {}
        for old, new in gitio.renames_in(refs, cwd=root_or_none()):
            moves.setdefault(old, []).append(new)
        todo = list(covered)
        while todo:
            for new in moves.get(todo.pop(), []):
                if new not in covered:
                    covered.add(new)
                    todo.append(new)
        left = [f for f in left if f.path not in covered]
    report.findings.extend(left)
    return report


def accept_known(report: Report, cfg: config_mod.Config) -> Report:
    """Move out what was since accepted: by the baseline, or by an allow marker on the line that
    holds the value at HEAD, in every path the value appeared in. Without this a false positive,
    once committed, would fail `history` forever."""
    if not report.findings:
        return report
    from credgate import baseline as baseline_mod

    root = root_or_none()
    accepted = _history_baseline(cfg, root)
    if accepted is not None and accepted.legacy:
        report.notes.append(baseline_mod.legacy_message(accepted))
    renames = baseline_mod.Renames()
    read = baseline_mod.history_reader(baseline_mod.make_reader(root or ".", cfg.max_file_size))
    rules = build_scanner(cfg).ruleset.by_id
    heads: dict[str, bytes | None] = {}
    large: set[str] = set()  # paths whose blob at HEAD is searched a chunk at a time, never held

    def allowed(view: Finding) -> bool:
        if view.commit != "HEAD" or view.rule_id not in rules:
            return False  # not at HEAD in that path: nothing there to carry a marker
        if view.path not in heads and view.path not in large:
            sha = gitio.blob_at("HEAD", view.path, cwd=root)
            heads[view.path] = None
            for blob in gitio.read_blob_streams([sha] if sha else [], cfg.max_file_size, STREAM_ABOVE, CHUNK,
                                                root):  # fmt: skip
                heads[view.path] = blob.data
                if blob.chunks is not None:
                    large.add(view.path)
                    del heads[view.path]
        if view.path in large:
            sha = gitio.blob_at("HEAD", view.path, cwd=root) or ""
            for blob in gitio.read_blob_streams([sha], cfg.max_file_size, STREAM_ABOVE, CHUNK, root):
                if blob.chunks is not None:
                    return allowed_in_chunks(blob.chunks, view.secret, rules[view.rule_id], view.path)
            return False
        data = heads[view.path]
        return data is not None and baseline_mod.allowed_inline(
            data, view.secret, rules[view.rule_id], view.path
        )

    kept, moved, by_baseline, by_marker = baseline_mod.judge_history(
        report.findings, accepted, renames, read, allowed
    )
    if kept and accepted is not None and accepted.entries:
        # Only now ask git for every rename on every ref: an entry written under a file's new
        # name covers what the file held under its old one.
        renames = baseline_mod.Renames(gitio.renames_in(ALL_REFS, cwd=root))
        kept, more, more_baseline, more_marker = baseline_mod.judge_history(
            kept, accepted, renames, read, allowed
        )
        moved, by_baseline, by_marker = moved + more, by_baseline + more_baseline, by_marker + more_marker
    report.findings, report.accepted = kept, report.accepted + moved
    report.stats.baselined += by_baseline
    report.stats.allowed_at_head += by_marker
    return report


def root_or_none() -> str | None:
    try:
        return gitio.toplevel()
    except UsageError:
        return None  # a bare repository: git answers from the current directory


def _history_baseline(cfg: config_mod.Config, root: str | None) -> baseline_mod.Baseline | None:
    """The work tree's baseline, or in a bare repository the one committed at HEAD."""
    from credgate import baseline as baseline_mod

    if cfg.baseline:
        return baseline_mod.load(cfg.baseline)
    if root is None:
        for name in (baseline_mod.BASELINE_NAME, baseline_mod.LEGACY_NAME):
            data = gitio.blob_text("HEAD", name, cfg.max_file_size)
            if data is not None:
                return baseline_mod.load_text(data, f"HEAD:{name}")
    return None
