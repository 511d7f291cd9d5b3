"""gate/scanning.py: building the scanner, reading files, scanning one file apart, too-large files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from credgate import config as config_mod
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from credgate.gate.report import Report, Stats
from credgate.gate.scanning import (
    ALLOWED_LARGE,
    STREAM_ABOVE,
    TOO_LARGE_RULE,
    Content,
    accept_large,
    build_scanner,
    cache_dir,
    open_disk,
    read_disk,
    scan_content_into,
    scan_file,
    too_large_finding,
    touches,
)
from tests.conftest import secret


@pytest.fixture
def scanner() -> Scanner:
    return build_scanner(config_mod.Config())


def test_disabling_every_rule_is_a_config_error_not_a_silent_pass(tmp_path: Path) -> None:
    from credgate.engine.rules import load

    every = [r.id for r in load([], None).rules]
    with pytest.raises(UsageError, match="no rule to scan with"):
        build_scanner(config_mod.Config(disable_rules=every))


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREDGATE_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == str(tmp_path / "c")
    monkeypatch.setenv("CREDGATE_CACHE_DIR", "")
    assert cache_dir() is None  # "" turns the cache off
    monkeypatch.delenv("CREDGATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == os.path.join(str(tmp_path / "xdg"), "credgate")


def test_scan_file_fills_only_its_own_result(scanner: Scanner, tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%")
    data = f"x = 1\nTOKEN = '{token}'\n".encode()
    first = scan_file(scanner, Content(len(data), data=data), "a.py", None, True, 1 << 20)
    second = scan_file(scanner, Content(len(data), data=data), "b.py", None, True, 1 << 20)
    assert [(f.path, f.line) for f in first.findings] == [("a.py", 2)]
    assert [(f.path, f.line) for f in second.findings] == [("b.py", 2)]
    assert (first.stats.files, first.stats.bytes) == (1, len(data))
    assert first.stats is not second.stats  # nothing shared between two files' scans
    # Merged in order, two results add up to what scanning both into one Stats gives.
    stats, findings = Stats(), list[Finding]()
    first.merge_into(stats, findings)
    second.merge_into(stats, findings)
    direct_stats, direct = Stats(), list[Finding]()
    for name in ("a.py", "b.py"):
        scan_content_into(
            scanner, Content(len(data), data=data), name, None, True, direct_stats, direct, 1 << 20
        )
    assert stats == direct_stats
    assert [(f.path, f.line, f.rule_id) for f in findings] == [(f.path, f.line, f.rule_id) for f in direct]


def test_only_findings_on_added_lines_count(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    data = f"TOKEN = '{token}'\nok = 1\n".encode()
    kept = scan_file(scanner, Content(len(data), data=data), "a.py", {2}, False, 1 << 20)
    assert kept.findings == [] and kept.stats.not_blocking == 1
    every = scan_file(scanner, Content(len(data), data=data), "a.py", {2}, True, 1 << 20)
    assert [f.line for f in every.findings] == [1]


def test_touches_judges_too_large_and_utf16_files_by_any_added_line() -> None:
    big = too_large_finding("big.bin", 10, 5, b"sha")
    assert touches(big, {7}, False, "text")
    assert not touches(big, set(), False, "text")  # a pure rename adds nothing
    assert touches(big, None, False, "text")  # a new file: every line is added


def test_a_file_over_the_limit_is_one_blocking_finding_by_name(scanner: Scanner, tmp_path: Path) -> None:
    big = tmp_path / "dump.sql"
    big.write_bytes(b"x" * 2048)
    stats = Stats()
    content = open_disk(str(big), 1024, stats, "dump.sql")
    assert content is not None and content.data is None and content.chunks is None
    result = scan_file(scanner, content, "dump.sql", None, True, 1024, stats)
    (finding,) = result.findings
    assert finding.rule_id == TOO_LARGE_RULE and finding.blocking
    assert "2.0 KiB is over the 1.0 KiB max-file-size" in finding.hint
    report = Report("files", result.findings, result.stats)
    cfg = config_mod.Config(allow_large=["*.sql"])
    (accepted,) = accept_large(report, cfg).findings
    assert accepted.advisory == ALLOWED_LARGE and not accepted.blocking


def test_a_large_file_is_streamed_and_still_found(scanner: Scanner, tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%")
    path = tmp_path / "log.txt"
    filler = b"# filler line\n" * (STREAM_ABOVE // 14 + 10)
    path.write_bytes(filler + f"TOKEN = '{token}'\n".encode())
    stats = Stats()
    content = open_disk(str(path), 1 << 30, stats, "log.txt")
    assert content is not None and content.data is None and content.chunks is not None
    result = scan_file(scanner, content, "log.txt", None, True, 1 << 30, stats)
    assert [f.line for f in result.findings] == [filler.count(b"\n") + 1]
    assert result.stats.bytes == path.stat().st_size


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_a_fifo_is_skipped_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    stats = Stats()
    assert open_disk(str(fifo), 1024, stats, "pipe") is None  # returns at once: a FIFO read would block
    assert read_disk(str(fifo), 1024, stats, "pipe") is None
    assert stats.skipped == [("pipe", "a FIFO"), ("pipe", "a FIFO")]


def test_a_symlink_is_read_as_its_target_path_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "secret.env"
    target.write_text("whatever\n")
    (tmp_path / "link").symlink_to(target)
    stats = Stats()
    assert read_disk(str(tmp_path / "link"), 1024, stats, "link") == os.fsencode(str(target))
    content = open_disk(str(tmp_path / "link"), 1024, stats, "link")
    assert content is not None and content.data == os.fsencode(str(target))


def test_an_unreadable_file_is_recorded(tmp_path: Path) -> None:
    stats = Stats()
    assert read_disk(str(tmp_path / "missing"), 1024, stats, "missing") is None
    assert stats.unreadable == ["missing"]
