"""`credgate scan PATH...`: files and directories on disk, every line.

Inside a git work tree, directories are listed by git (tracked and untracked
files, `.gitignore` respected unless `--no-ignore`); elsewhere they are walked
without following symlinks. CI and ad-hoc use get the same engine and rules as
the commit hook.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Iterator, Sequence, TextIO

import click

from credgate import config as config_mod
from credgate import gitio, progress
from credgate.commands._common import (
    ALLOWED_LARGE,
    apply_baseline,
    build_scanner,
    emit,
    open_disk,
    scan_content_into,
    scan_options,
    too_large_finding,
)
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from credgate.report import Report, Stats, safe


def _repo_root(directory: str) -> str | None:
    try:
        return gitio.toplevel(cwd=directory)
    except UsageError:
        return None


def iter_files(path: str, use_git: bool, include_ignored: bool, stats: Stats | None = None) -> Iterator[str]:
    """The files to scan under path (itself, when it is not a directory), as paths under path.

    Inside a git work tree git lists them, from the directory named (any subdirectory, not only
    the top), and the ignored ones are counted in stats; elsewhere the directory is walked.
    """
    if not os.path.isdir(path) or os.path.islink(path):
        yield path
        return
    if use_git and _repo_root(path) is not None:
        files, ignored = gitio.list_files_below(path, include_ignored=include_ignored)
        if stats is not None:
            stats.ignored += ignored
        for rel in files:
            yield os.path.join(path, os.fsdecode(rel))
        return
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            yield os.path.join(root, name)


def run(
    paths: Sequence[str],
    *,
    no_git: bool = False,
    no_ignore: bool = False,
    fmt: str = "text",
    verbose: bool = False,
    config_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    err = err or sys.stderr
    if not paths:
        raise UsageError("name at least one file or directory to scan", "e.g. `credgate scan .`")
    for p in paths:
        if not os.path.lexists(p):
            raise UsageError(f"{p}: no such file or directory")
    first = paths[0] if os.path.isdir(paths[0]) else os.path.dirname(os.path.abspath(paths[0]))
    root = (None if no_git else _repo_root(first)) or first
    cfg = config_mod.find(root, config_path)
    scanner = build_scanner(cfg)
    bar = progress.Bar("scanning files", "files", err)
    stats = progress.counting_stats(bar, "files") if bar.enabled else Stats()
    findings: list[Finding] = []
    with bar:
        _scan_paths(paths, no_git, no_ignore, root, cfg, scanner, stats, findings)
    if stats.files == 0 and not findings and not stats.unreadable:
        named = ", ".join(safe(p) for p in paths)
        raise UsageError(
            f"nothing was scanned in {named}: {_skips(stats, name_them=True) or 'no files there'}",
            "name a path that holds files; --no-ignore scans ignored files, --no-git walks the directory",
        )
    report = Report("files", findings, stats, max_size=cfg.max_file_size, kind="files", summarize=True)
    in_git = not no_git and root != first
    report = apply_baseline(report, cfg, root=root, from_cwd=True, work_tree_renames=in_git)
    return emit(report, fmt, verbose, out, err)


def _scan_paths(
    paths: Sequence[str],
    no_git: bool,
    no_ignore: bool,
    root: str,
    cfg: config_mod.Config,
    scanner: Scanner,
    stats: Stats,
    findings: list[Finding],
) -> None:
    for p in paths:
        if os.path.islink(p) and os.path.isdir(p):
            why = "a symlink to a directory, not followed (only the link was read; name its target to scan)"
            stats.skipped.append((p, why))
        for file in iter_files(p, use_git=not no_git, include_ignored=no_ignore, stats=stats):
            if not os.path.lexists(file):
                stats.skipped.append((file, "tracked, but missing from the work tree"))
                continue
            rel = os.path.relpath(file, root)
            if cfg.is_excluded(rel):
                stats.excluded += 1
                continue
            content = open_disk(file, cfg.max_file_size, stats, file)
            if content is None:
                continue
            if content.data is None and content.chunks is None and cfg.is_allowed_large(rel):
                finding = too_large_finding(file, content.size, cfg.max_file_size, content.ident)
                findings.append(replace(finding, advisory=ALLOWED_LARGE))
                continue
            scan_content_into(scanner, content, file, None, True, stats, findings, cfg.max_file_size)


def _skips(stats: Stats, name_them: bool = False) -> str:
    parts = []
    if stats.ignored:
        parts.append(f"{stats.ignored} ignored by .gitignore (--no-ignore scans them)")
    if stats.excluded:
        parts.append(f"{stats.excluded} excluded by `exclude` in .credgate.toml")
    if stats.skipped:
        what = f"{len(stats.skipped)} not regular files or missing"
        if name_them:  # otherwise the warnings name each one
            more = f" and {len(stats.skipped) - 3} more" if len(stats.skipped) > 3 else ""
            what += f" ({', '.join(f'{safe(p)}: {why}' for p, why in stats.skipped[:3])}{more})"
        parts.append(what)
    return "; ".join(parts)


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--no-git", is_flag=True, help="Walk directories directly instead of asking git for the file list."
)
@click.option("--no-ignore", is_flag=True, help="Inside a git work tree, scan ignored files too.")
@scan_options
@click.pass_context
def command(
    ctx: click.Context,
    paths: tuple[str, ...],
    no_git: bool,
    no_ignore: bool,
    fmt: str,
    verbose: bool,
    config_path: str | None,
) -> None:
    """Scan files and directories on disk; every line counts."""
    ctx.exit(
        run(paths, no_git=no_git, no_ignore=no_ignore, fmt=fmt, verbose=verbose, config_path=config_path)
    )
