"""What `credgate scan PATH...` judges: files and directories on disk, every line.

Inside a git work tree, directories are listed by git (tracked and untracked files, `.gitignore`
respected unless asked otherwise); elsewhere they are walked without following symlinks.

The walk (`DiskScan.scan`) and the scan of one file (`scan_path`) are apart: `scan_path` reads
and scans one file into its own FileScan and touches nothing shared, so a pool of workers can run
it while the walk merges the results in order.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from typing import Iterator, Sequence

from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from credgate.gate.parallel import PARALLEL_MIN_BYTES, ordered_map, warm
from credgate.gate.report import Report, Stats
from credgate.gate.scanning import (
    ALLOWED_LARGE,
    FileScan,
    apply_baseline,
    build_scanner,
    open_disk,
    scan_file,
    too_large_finding,
)


def repo_root(directory: str) -> str | None:
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
    if use_git and repo_root(path) is not None:
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


def _weight(file: str) -> int:
    """The bytes a file will cost to scan, for cutting batches (0 for what is not a regular file)."""
    try:
        st = os.lstat(file)
    except OSError:
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


def scan_path(scanner: Scanner, cfg: config_mod.Config, file: str, rel: str) -> FileScan:
    """One file on disk, every line, into its own FileScan (nothing shared is touched).

    `file` is how the report names it; `rel` is its path for the config's allow-large patterns.
    """
    stats = Stats()
    if not os.path.lexists(file):
        stats.skipped.append((file, "tracked, but missing from the work tree"))
        return FileScan(stats=stats)
    content = open_disk(file, cfg.max_file_size, stats, file)
    if content is None:
        return FileScan(stats=stats)
    if content.data is None and content.chunks is None and cfg.is_allowed_large(rel):
        finding = too_large_finding(file, content.size, cfg.max_file_size, content.ident)
        return FileScan([replace(finding, advisory=ALLOWED_LARGE)], stats)
    return scan_file(scanner, content, file, None, True, cfg.max_file_size, stats)


@dataclass
class DiskScan:
    """A scan of paths on disk: set up (config and rules) before any file is read."""

    paths: Sequence[str]
    no_git: bool
    no_ignore: bool
    root: str  # the repository's top, or where the first path is outside git
    first: str  # the first path's directory
    cfg: config_mod.Config
    scanner: Scanner

    @classmethod
    def prepare(
        cls,
        paths: Sequence[str],
        *,
        no_git: bool = False,
        no_ignore: bool = False,
        config_path: str | None = None,
    ) -> DiskScan:
        if not paths:
            raise UsageError("name at least one file or directory to scan", "e.g. `credgate scan .`")
        for p in paths:
            if not os.path.lexists(p):
                raise UsageError(f"{p}: no such file or directory")
        first = paths[0] if os.path.isdir(paths[0]) else os.path.dirname(os.path.abspath(paths[0]))
        root = (None if no_git else repo_root(first)) or first
        cfg = config_mod.find(root, config_path)
        return cls(paths, no_git, no_ignore, root, first, cfg, build_scanner(cfg))

    def scan(
        self, stats: Stats, workers: int | None = None, min_parallel_bytes: int = PARALLEL_MIN_BYTES
    ) -> list[Finding]:
        """Walk the paths and scan each file; counts and warnings go into stats (a progress bar's).

        The files are listed first, then scanned on every core (gate/parallel.py) when they weigh
        enough, each by `scan_path` in a worker; the results are merged in the walk's order, so the
        report is the one a serial run gives.
        """
        steps: list[tuple[str, str, str]] = []  # ("skip", path, why) or ("file", file, rel)
        for p in self.paths:
            if os.path.islink(p) and os.path.isdir(p):
                why = (
                    "a symlink to a directory, not followed (only the link was read; name its target to scan)"
                )
                steps.append(("skip", p, why))
            for file in iter_files(p, use_git=not self.no_git, include_ignored=self.no_ignore, stats=stats):
                rel = os.path.relpath(file, self.root)
                if os.path.lexists(file) and self.cfg.is_excluded(rel):
                    stats.excluded += 1
                    continue
                steps.append(("file", file, rel))
        files = [(step[1], step[2]) for step in steps if step[0] == "file"]
        scans = iter(
            ordered_map(
                lambda item: scan_path(self.scanner, self.cfg, item[0], item[1]),
                files,
                [_weight(file) for file, _ in files],
                name=lambda item: item[0],
                warm=lambda total: warm(self.scanner, total),
                workers=workers,
                min_parallel_bytes=min_parallel_bytes,
            )
        )
        findings: list[Finding] = []
        for step in steps:
            if step[0] == "skip":
                stats.skipped.append((step[1], step[2]))
            else:
                next(scans).merge_into(stats, findings)
        return findings

    def report(self, findings: list[Finding], stats: Stats) -> Report:
        """The report of a finished walk, the baseline applied; scanning nothing at all is an error."""
        if stats.files == 0 and not findings and not stats.unreadable:
            raise UsageError(
                f"nothing was scanned in {', '.join(self.paths)}: {skips(stats) or 'no files there'}",
                "name a path that holds files; --no-ignore scans ignored files, --no-git walks the directory",
            )
        report = Report(
            "files", findings, stats, max_size=self.cfg.max_file_size, kind="files", summarize=True
        )
        in_git = not self.no_git and self.root != self.first
        return apply_baseline(report, self.cfg, root=self.root, from_cwd=True, work_tree_renames=in_git)


def skips(stats: Stats) -> str:
    """Why files were left out, naming the first few that are not regular files (the error when
    nothing was scanned says this in place of the warnings)."""
    parts = []
    if stats.ignored:
        parts.append(f"{stats.ignored} ignored by .gitignore (--no-ignore scans them)")
    if stats.excluded:
        parts.append(f"{stats.excluded} excluded by `exclude` in .credgate.toml")
    if stats.skipped:
        more = f" and {len(stats.skipped) - 3} more" if len(stats.skipped) > 3 else ""
        named = ", ".join(f"{p}: {why}" for p, why in stats.skipped[:3])
        parts.append(f"{len(stats.skipped)} not regular files or missing ({named}{more})")
    return "; ".join(parts)
