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


def _mixed_tree(root: Path) -> None:
    """Hundreds of files: secrets, allowed ones, a binary, a FIFO, a symlink, an excluded directory."""
    import os

    for i in range(240):
        body = f"# module {i}\nvalue = {i}\n" * 40
        if i % 7 == 0:
            body += f"GITHUB_TOKEN = '{secret('%%github:ghp_%%')}'\n"
        if i % 11 == 0:
            body += f"token = '{secret('%%github:ghp_%%')}'  # credgate:allow\n"
        (root / f"pkg{i % 9}").mkdir(exist_ok=True)
        (root / f"pkg{i % 9}" / f"mod_{i}.py").write_text(body)
    (root / "blob.bin").write_bytes(b"\x00\x01" * 500 + secret("%%github:ghp_%%").encode() + b"\x00" * 100)
    (root / "vendor").mkdir()
    (root / "vendor" / "x.py").write_text(f"K = '{secret('%%github:ghp_%%')}'\n")
    (root / ".credgate.toml").write_text('exclude = ["vendor/"]\n')
    os.mkfifo(root / "pipe")
    (root / "link.py").symlink_to(root / "pkg0" / "mod_0.py")


def test_every_core_gives_the_serial_report(tmp_path: Path) -> None:
    """The walk on two workers, in batches, gives the findings, counts and warnings of a serial walk."""
    _mixed_tree(tmp_path)
    disk = DiskScan.prepare([str(tmp_path)], no_git=True)
    serial_stats, forked_stats = Stats(), Stats()
    serial = disk.scan(serial_stats, workers=1)
    forked = disk.scan(forked_stats, workers=2, min_parallel_bytes=0)
    assert forked == serial
    assert forked_stats == serial_stats
    assert len({f.path for f in serial}) >= 30 and serial_stats.files > 200
    assert serial_stats.excluded == 1 and serial_stats.skipped and serial_stats.suppressed


def test_credgate_jobs_chooses_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from credgate.gate import parallel

    monkeypatch.setenv("CREDGATE_JOBS", "3")
    assert parallel.workers_available() == 3
    for bad in ("0", "many", "-2"):
        monkeypatch.setenv("CREDGATE_JOBS", bad)
        with pytest.raises(UsageError, match="CREDGATE_JOBS"):
            parallel.workers_available()
