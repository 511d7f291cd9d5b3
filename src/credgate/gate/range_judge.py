"""Judging ranges into one report: which config judges them, the scan, the baseline, the credential
files the commits add, and what a change does to the gate's own files.

`scan-range` judges with the config on disk (a developer's clone, or a server's own file), or in
pre-receive with each ref's base revision's (the pusher controls the pushed `.credgate.toml`);
`credgate ci` with its base revision's. Nothing here prints: lines for the user go to `warn`, and
the caller hands the report to the output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import InternalError, UsageError
from credgate.gate import range_files, trusted
from credgate.gate.ci_events import CIRange, Plan
from credgate.gate.range_refs import Range, base_of, gate_for, receive_bases, tip_name
from credgate.gate.ranges import scan_ranges
from credgate.gate.report import Report, Stats
from credgate.gate.scanning import apply_baseline, build_scanner


@dataclass
class Job:
    """The config that judges some ranges, the baseline it accepts, and what each range's edits to
    the gate's own files are compared with (None: not compared)."""

    state: trusted.GateState
    ranges: list[Range] = field(default_factory=list)
    compares: list[str | None] = field(default_factory=list)


def disk_config(config_path: str | None) -> config_mod.Config:
    """The config for a range in this clone: found from the top of the work tree, or `config_path`."""
    try:
        return config_mod.find(gitio.toplevel(), config_path)
    except UsageError:
        # A bare or mirror clone has commits but no index: ranges need no index, so they work there.
        if gitio.layout().work_tree is not None:
            raise
        return config_mod.Config() if not config_path else config_mod.find(".", config_path)


def disk_state(cfg: config_mod.Config) -> trusted.GateState:
    """The config as found on disk (a developer's own clone, or a server's file); its baseline is
    cfg.baseline, a path."""
    return trusted.GateState(None, config_mod.CONFIG_NAME, None, cfg, None, None)


def disk_job(cfg: config_mod.Config, ranges: Sequence[Range]) -> Job:
    return Job(disk_state(cfg), list(ranges), [None] * len(ranges))


def receive_jobs(
    lines: Sequence[str], ranges: Sequence[Range], config_path: str | None, warn: trusted.Warn
) -> list[Job]:
    """pre-receive: the server's own config (outside the pushed repository, which the push cannot
    edit), else each ref judged by its base revision's config, with its edits compared."""
    if config_path:
        return [disk_job(config_mod.find(".", config_path), ranges)]
    by_gate: dict[str | None, Job] = {}
    bases = receive_bases(lines)
    for rng in ranges:
        gate, compare = gate_for(bases, rng.tip)
        if gate not in by_gate:
            by_gate[gate] = Job(trusted.read_state(gate, warn=warn))
        by_gate[gate].ranges.append(rng)
        by_gate[gate].compares.append(compare)
    return list(by_gate.values())


def judge(jobs: Sequence[Job], stats: Stats, scope: str, pre_receive: bool, warn: trusted.Warn) -> Report:
    """Scan every job's ranges and judge them by its config; one report for all of them."""
    findings: list[Finding] = []
    notes: list[str] = []
    accepted: list[Finding] = []
    for job in jobs:
        state, ranges = job.state, job.ranges
        scanner = trusted.scanner_for(state) if state.rev is not None else build_scanner(state.cfg)
        try:
            found = scan_ranges(scanner, ranges, state.cfg.max_file_size, stats)
            # `--no-verify` skips the files hook: a commit that writes .env.production or id_rsa blocks here.
            named = range_files.added_credential_files([(r.revs, r.commits) for r in ranges], state.cfg)
            tips = [(r.tip, tip_name(r)) for r in ranges]
            named += range_files.tree_tip_credential_files(tips, state.cfg)
        except gitio.GitCommandError as exc:
            raise InternalError(
                f"could not read the commits of {', '.join(r.label for r in ranges)}: {exc.message}",
                "the range may reference missing objects (a partial or shallow clone): "
                "fetch them and run again",
            ) from None
        part = Report("", _not_excluded(found, state.cfg, stats), stats)
        tip = ranges[0].tip
        if state.rev is not None:
            part = trusted.apply_baseline(part, state, tip)
        elif state.cfg.baseline and not pre_receive:
            part = range_baseline(part, state.cfg, scanner, base_of(ranges[0]), tip)
        else:
            part = apply_baseline(part, state.cfg, tip=tip)  # allow-large too, with or without a baseline
        notes.extend(part.notes)
        accepted.extend(part.accepted)
        findings.extend(part.findings)
        # As the files gate judges them: protect/unprotect decide. A file whose content the baseline
        # accepted here was reviewed with that content, so it is not reported again by its name.
        reviewed = {f.path for f in part.accepted}
        findings.extend(f for f in named if f.path not in reviewed)
        seen: set[tuple[str, str]] = set()
        for rng, compare in zip(ranges, job.compares):
            if compare is None:
                continue
            old = trusted.start_state(compare, state, warn)
            for f in trusted.change_findings(old, state.cfg, rng.tip, compare, warn=warn):
                if (f.path, f.rule_name) not in seen:
                    seen.add((f.path, f.rule_name))
                    findings.append(f)
    first = jobs[0].ranges[0]
    max_size = jobs[0].state.cfg.max_file_size
    report = Report(scope, findings, stats, kind="range", max_size=max_size, base=base_of(first))
    report.notes.extend(notes)
    report.accepted.extend(accepted)
    return report


def _not_excluded(found: list[Finding], cfg: config_mod.Config, stats: Stats) -> list[Finding]:
    kept = []
    for f in found:
        if cfg.is_excluded(f.path):
            stats.excluded += 1
        else:
            kept.append(f)
    return kept


def range_baseline(report: Report, cfg: config_mod.Config, scanner: Scanner, base: str, tip: str) -> Report:
    """Apply the baseline, following renames up to the range's tip; entries the baseline gained
    since the base are checked against the tip's tree and reported when their value is not there."""
    from credgate import baseline as baseline_mod

    top = gitio.toplevel()
    loaded = baseline_mod.load(cfg.baseline or "")
    rel = os.path.relpath(cfg.baseline or "", top).replace(os.sep, "/")
    verify = None
    if not rel.startswith(".."):
        before = gitio.blob_text(base, rel, cfg.max_file_size, cwd=top) if base else None
        try:
            old = (
                baseline_mod.load_text(before, f"{base[:12]}:{rel}").entries if before is not None else set()
            )
        except UsageError:
            old = set()
        bad = baseline_mod.unverified(
            loaded.entries - old,
            lambda p: gitio.blob_text(tip, p, cfg.max_file_size, cwd=top),
            lambda data, p: scanner.scan(data, p).findings,
        )
        report.notes.extend(baseline_mod.unverified_message(e, rel, f"at {tip[:12]}") for e in bad)
        if old:
            verify = baseline_mod.committed_before(old, base, top, cfg.max_file_size)
    return apply_baseline(report, cfg, root=top, tip=tip, loaded=loaded, verify=verify)


# ------------------------------------------------------------------------ credgate ci


@dataclass
class CIGate:
    """What judges a CI run: the base revision's files, or a config file outside the repository
    (the CI's own, which the change cannot edit; `outside`)."""

    state: trusted.GateState
    scanner: Scanner
    outside: bool


def _repo_relative(path: str, top: str) -> str | None:
    """A --config inside the repository, as a path in its tree (then read from the base revision)."""
    full = os.path.realpath(os.path.abspath(path))
    root = os.path.realpath(top)
    if full != root and full.startswith(root + os.sep):
        return os.path.relpath(full, root).replace(os.sep, "/")
    return None


def ci_gate(config_path: str | None, top: str, gate_rev: str | None, warn: trusted.Warn) -> CIGate:
    """The change under review must not decide the rules it is judged by."""
    rel: str | None = None  # found at the base revision: .credgate.toml, else pyproject.toml [tool.credgate]
    if config_path:
        inside = _repo_relative(config_path, top)
        if inside is None:
            # The CI's own file: not the change's to edit. Not `find`, which would add the checkout's
            # (the change's) baseline; only a baseline this file names counts.
            if not os.path.isfile(config_path):
                raise UsageError(f"config file {config_path} does not exist")
            cfg = config_mod.load(config_path)
            return CIGate(
                trusted.GateState(None, config_mod.CONFIG_NAME, None, cfg, None, None),
                build_scanner(cfg),
                True,
            )
        rel = inside
    state = trusted.read_state(gate_rev, rel, warn=warn)
    return CIGate(state, trusted.scanner_for(state), False)


def judge_ci(ci: CIRange, p: Plan, gate: CIGate, stats: Stats, scope: str, warn: trusted.Warn) -> Report:
    """Scan the plan's range and judge it by the gate's config; the report for `credgate ci`."""
    rng, cfg = p.rng, gate.state.cfg
    try:
        # A run on the default branch that brings no change has nothing to scan (and `git log` given
        # no commit would read HEAD's whole history).
        findings = scan_ranges(gate.scanner, [rng], cfg.max_file_size, stats) if rng.commits != () else []
    except gitio.GitCommandError as exc:
        raise InternalError(
            f"could not read the commits of the {ci.kind}: {exc.message}", ci.shallow_fix
        ) from None
    except UsageError as exc:
        # A clone too shallow for the range: the fix is this CI's own setting.
        raise UsageError(exc.message, ci.shallow_fix) from None
    if stats.commits == 0 and rng.commits is None:
        _check_empty(ci, rng)
    kept = _not_excluded(findings, cfg, stats)
    report = Report(scope, kept, stats, kind="range", max_size=cfg.max_file_size, base=p.gate_rev or "")
    if gate.outside:
        report = apply_baseline(report, cfg, tip=rng.tip)
    else:
        report = trusted.apply_baseline(report, gate.state, rng.tip)
    if rng.commits != ():  # commits that add a credential file (.env.production, id_rsa), as `files` judges
        reviewed = {f.path for f in report.accepted}  # content the base's baseline accepts, file and all
        named = range_files.added_credential_files([(rng.revs, rng.commits)], cfg)
        report.findings.extend(f for f in named if f.path not in reviewed)
    if not gate.outside and p.compare_rev is not None:
        old = trusted.start_state(p.compare_rev, gate.state, warn)
        report.findings.extend(trusted.change_findings(old, cfg, rng.tip, p.compare_rev, warn=warn))
    return report


def _check_empty(ci: CIRange, rng: Range) -> None:
    """Zero commits is a pass only when the head is provably already on what was excluded."""
    for rev in rng.exclude:
        if rev.startswith("^") and gitio.is_ancestor(rng.tip, rev[1:]):
            return
    raise UsageError(
        f"{ci.system} {ci.kind}: the range {rng.label} resolves to 0 commits although "
        f"{rng.tip[:12]} is not on what it excludes, so nothing would be scanned",
        ci.shallow_fix,
    )
