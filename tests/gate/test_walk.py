"""gate/walk.py: the walk over paths on disk, and one file's scan kept apart from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from credgate import config as config_mod
from credgate.errors import UsageError
from credgate.gate.report import Stats
from credgate.gate.scanning import build_scanner
from credgate.gate.walk import DiskScan, iter_files, scan_path
from tests.conftest import Repo, secret


def test_outside_git_the_walk_is_sorted_and_leaves_out_dot_git(tmp_path: Path) -> None:
    for name in ("b/z.txt", "b/a.txt", "a.txt", ".git/config"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    got = [str(Path(p).relative_to(tmp_path)) for p in iter_files(str(tmp_path), True, False)]
    assert got == ["a.txt", "b/a.txt", "b/z.txt"]


def test_inside_git_the_listing_comes_from_git_and_counts_ignored_files(repo: Repo) -> None:
    repo.write(".gitignore", "*.log\n")
    repo.write("app.py", "a = 1\n")
    repo.write("debug.log", "x\n")
    stats = Stats()
    assert sorted(iter_files(".", True, False, stats)) == ["./.gitignore", "./app.py"]
    assert stats.ignored == 1
    assert "./debug.log" in iter_files(".", True, True)


def test_scan_path_touches_nothing_shared(tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%")
    (tmp_path / "a.py").write_text(f"T = '{token}'\n")
    cfg = config_mod.Config()
    scanner = build_scanner(cfg)
    one = scan_path(scanner, cfg, str(tmp_path / "a.py"), "a.py")
    assert [f.line for f in one.findings] == [1] and one.stats.files == 1
    missing = scan_path(scanner, cfg, str(tmp_path / "gone.py"), "gone.py")
    assert missing.findings == [] and missing.stats.skipped == [
        (str(tmp_path / "gone.py"), "tracked, but missing from the work tree")
    ]


def test_a_walk_adds_up_file_by_file_and_applies_exclude(tmp_path: Path) -> None:
    (tmp_path / ".credgate.toml").write_text('exclude = ["skip/"]\n')
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "k.py").write_text(f"T = '{secret('%%github:ghp_%%')}'\n")
    (tmp_path / "a.py").write_text(f"T = '{secret('%%github:ghp_%%')}'\n")
    job = DiskScan.prepare([str(tmp_path)], no_git=True)
    stats = Stats()
    findings = job.scan(stats)
    assert [Path(f.path).name for f in findings] == ["a.py"]
    assert (stats.files, stats.excluded) == (2, 1)  # a.py and .credgate.toml scanned; skip/k.py excluded
    report = job.report(findings, stats)
    assert (report.scope, report.kind, report.summarize) == ("files", "files", True)


def test_bad_paths_and_scanning_nothing_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="name at least one file"):
        DiskScan.prepare([])
    with pytest.raises(UsageError, match="no such file or directory"):
        DiskScan.prepare([str(tmp_path / "nope")])
    (tmp_path / "empty").mkdir()
    job = DiskScan.prepare([str(tmp_path / "empty")], no_git=True)
    stats = Stats()
    with pytest.raises(UsageError, match="nothing was scanned in .*empty: no files there"):
        job.report(job.scan(stats), stats)
