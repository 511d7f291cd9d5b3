"""`credgate scan PATH...`: files and directories on disk, every line.

Inside a git work tree, directories are listed by git (tracked and untracked
files, `.gitignore` respected unless `--no-ignore`); elsewhere they are walked
without following symlinks. CI and ad-hoc use get the same engine and rules as
the commit hook.
"""

from __future__ import annotations

import os
from typing import Iterator, Sequence, TextIO

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands._common import apply_baseline, build_scanner, emit, read_disk, scan_into, scan_options
from credgate.engine.finding import Finding
from credgate.errors import UsageError
from credgate.report import Report, Stats


def _repo_root(directory: str) -> str | None:
    try:
        return gitio.toplevel(cwd=directory)
    except UsageError:
        return None


def iter_files(path: str, use_git: bool, include_ignored: bool) -> Iterator[str]:
    if not os.path.isdir(path) or os.path.islink(path):
        yield path
        return
    top = _repo_root(path) if use_git else None
    if top is not None:
        # git lists paths from the repository root (--full-name): re-base them on the directory
        # given, or a subdirectory would yield paths that do not exist and be scanned as empty.
        for rel in gitio.list_files(["."], cwd=path, include_ignored=include_ignored):
            yield os.path.join(path, os.path.relpath(os.path.join(top, os.fsdecode(rel)), path))
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(files):
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
    if not paths:
        raise UsageError("name at least one file or directory to scan", "e.g. `credgate scan .`")
    for p in paths:
        if not os.path.lexists(p):
            raise UsageError(f"{p}: no such file or directory")
    first = paths[0] if os.path.isdir(paths[0]) else os.path.dirname(os.path.abspath(paths[0]))
    root = (None if no_git else _repo_root(first)) or first
    cfg = config_mod.find(root, config_path)
    scanner = build_scanner(cfg)
    stats = Stats()
    findings: list[Finding] = []
    for p in paths:
        for file in iter_files(p, use_git=not no_git, include_ignored=no_ignore):
            if not os.path.lexists(file):
                continue  # tracked but deleted in the work tree
            if cfg.is_excluded(os.path.relpath(file, root)):
                stats.excluded += 1
                continue
            data = read_disk(file, cfg.max_file_size, stats, file)
            if data is not None:
                scan_into(scanner, data, file, None, True, stats, findings)
    report = Report("files", findings, stats, max_size=cfg.max_file_size, kind="files")
    in_git = not no_git and root != first
    report = apply_baseline(report, cfg, root=root, from_cwd=True, work_tree_renames=in_git)
    return emit(report, fmt, verbose, out, err)


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
