"""What the scanning commands share: options, the scanner, the exit code."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO

import click

from credgate import config as config_mod
from credgate.engine.finding import Finding
from credgate.engine.rules import RuleError, load
from credgate.engine.scanner import Scanner, ScanResult
from credgate.errors import CLEAN, FINDINGS, InternalError, UsageError
from credgate.report import Report, Stats, to_json, write_text

if TYPE_CHECKING:
    from credgate import baseline as baseline_mod

FORMATS = ("text", "json", "sarif", "github", "junit")


def scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use "
                      "instead of .credgate.toml at the repository root.")(fn)  # fmt: skip
    fn = click.option(
        "-v", "--verbose", is_flag=True, help="Say what was scanned: files, bytes, binaries, skips."
    )(fn)
    fn = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)(fn)
    return fn


def cache_dir() -> str | None:
    """Where parsed rules are cached: $CREDGATE_CACHE_DIR, else the XDG cache ("" disables)."""
    explicit = os.environ.get("CREDGATE_CACHE_DIR")
    if explicit is not None:
        return explicit or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "credgate")


def build_scanner(cfg: config_mod.Config) -> Scanner:
    try:
        ruleset = load(cfg.rule_files, cache_dir())
        if cfg.disable_rules:
            ruleset = ruleset.without(cfg.disable_rules)
        # Custom rules are compiled now, so a broken one is a config error, not a mid-scan crash.
        for path in cfg.rule_files:
            for rule in ruleset.rules:
                if rule.origin == os.path.basename(path):
                    rule.secret_groups  # noqa: B018
    except RuleError as exc:
        where = cfg.path or "the rule files"
        raise UsageError(str(exc), f"fix the rule or its entry in {where}") from None
    return Scanner(ruleset, notices=cfg.notices)


def apply_baseline(
    report: Report,
    cfg: config_mod.Config,
    *,
    root: str | None = None,
    tip: str = "HEAD",
    renames: Sequence[tuple[str, str]] = (),
    from_cwd: bool = False,
    prefer_index: bool = False,
    work_tree_renames: bool = False,
    loaded: baseline_mod.Baseline | None = None,
    verify: baseline_mod.Verify | None = None,
) -> Report:
    """Move the findings the repository's baseline accepts out of the report, and count them.

    An entry accepts a finding at its own path, or where git's rename detection followed that
    file since the baseline last changed (up to `tip`), plus the given `renames` (staged ones).
    """
    if not (cfg.baseline or loaded) or not report.findings:
        return report
    from credgate import baseline, gitio

    accepted = loaded or baseline.load(cfg.baseline or "")
    if accepted.legacy:
        report.notes.append(baseline.legacy_message(accepted))
    if root is None:
        try:
            root = gitio.toplevel()
        except UsageError:
            root = os.getcwd()
    links = baseline.rename_links(accepted, cfg.baseline, tip, root, renames, work_tree=work_tree_renames)
    read = baseline.make_reader(root, cfg.max_file_size, prefer_index=prefer_index, from_cwd=from_cwd)
    kept, moved = baseline.judge(report.findings, accepted, root, links, read, from_cwd, verify, report.notes)
    report.stats.baselined += len(moved)
    report.findings = kept
    report.accepted.extend(moved)
    return report


def emit(report: Report, fmt: str, verbose: bool, out: TextIO | None, err: TextIO | None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if report.stats.unreadable:
        raise InternalError(
            f"{len(report.stats.unreadable)} file(s) could not be read, so the scan is incomplete",
            "check file permissions, or run `git fsck` if blobs are missing",
        )
    rc = FINDINGS if any(f.blocking for f in report.findings) else CLEAN
    _print_accepted(report, fmt, verbose, err)
    if fmt == "text":
        write_text(report, out, err, verbose)
        return rc
    if fmt == "json":
        print(to_json(report, rc), file=out)
    else:
        from credgate import formats

        render = {"sarif": formats.to_sarif, "github": formats.to_github, "junit": formats.to_junit}[fmt]
        print(render(report), file=out)
    for line in _warnings(report):
        print(line, file=err)
    if report.kind == "range":
        from credgate.report import summary

        print(summary(report), file=err)  # machine output on stdout; the one summary line on stderr
    return rc


def _print_accepted(report: Report, fmt: str, verbose: bool, err: TextIO) -> None:
    from credgate.report import accepted_line

    line = accepted_line(report)
    if line and not (verbose and fmt == "text"):  # -v prints the whole summary, which counts them
        print(line, file=err)


def _warnings(report: Report) -> list[str]:
    from credgate.report import warnings

    return warnings(report)


def read_disk(path: str, max_size: int, stats: Stats, display: str) -> bytes | None:
    """A file's bytes as on disk; a symlink is scanned as its target path, never followed."""
    try:
        if os.path.islink(path):
            return os.fsencode(os.readlink(path))
        size = os.path.getsize(path)
        if size > max_size:
            stats.too_large.append((display, size))
            return None
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        stats.unreadable.append(display)
        return None


def scan_counted(scanner: Scanner, data: bytes, display: str, stats: Stats) -> ScanResult:
    """Scan one file's bytes and account for them, so a report can say what it covered."""
    result = scanner.scan(data, display)
    stats.files += 1
    stats.bytes += len(data)
    stats.suppressed += len(result.suppressed)
    if result.kind == "binary":
        stats.binary.append(display)
    return result


def touches(f: Finding, added: set[int] | None, all_added: bool, kind: str) -> bool:
    """Whether a finding lies on lines a change adds (None: the whole file counts as added)."""
    if added is None or all_added:
        return True
    if kind == "utf-16":
        # UTF-16 line numbers do not map onto git's byte-level diff: any added line counts.
        return bool(added)
    return not added.isdisjoint(range(f.line, f.end_line + 1))


def scan_into(
    scanner: Scanner,
    data: bytes,
    display: str,
    added: set[int] | None,
    all_lines: bool,
    stats: Stats,
    findings: list[Finding],
) -> None:
    """Scan and keep the findings on added lines; count the others as not blocking."""
    result = scan_counted(scanner, data, display, stats)
    for f in result.findings:
        if touches(f, added, all_lines, result.kind):
            findings.append(f)
        else:
            stats.not_blocking += 1
