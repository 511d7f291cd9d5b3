"""Progress bars on a terminal (and nowhere else), and the one summary line every long run ends with."""

from __future__ import annotations

import fcntl
import io
import os
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from credgate.commands import history, scan, scan_range
from credgate.commands._options import Options
from credgate.gate import history as history_gate
from credgate.output import progress
from tests.conftest import Repo, env_file_with_aws

SUMMARY = "credgate: scanned "


def many_commits(repo: Repo, n: int = 30) -> None:
    for i in range(n):
        repo.stage(f"f{i}.txt", f"line {i}\n")
        repo.commit(f"c{i}")


def on_pty(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run a command whose stderr is a terminal (a pty), stdout a pipe; return (rc, stdout, terminal)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO once the child has closed its side
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, out, b"".join(chunks).decode("utf-8", "replace")


def env_for(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CREDGATE_PROGRESS"}
    return {**env, "TERM": "xterm", **extra}


@pytest.mark.parametrize(
    ("args", "desc", "unit"),
    [
        (["history"], "credgate: scanning history", "commits"),
        (["scan", "."], "credgate: scanning files", "files"),
        (
            ["scan-range", "--from-ref", "HEAD~25", "--to-ref", "HEAD"],
            "credgate: scanning commits",
            "commits",
        ),
    ],
)
def test_bar_on_a_terminal_not_when_piped(repo: Repo, args: list[str], desc: str, unit: str) -> None:
    many_commits(repo)
    cmd = [sys.executable, "-m", "credgate", *args]
    rc, _, tty = on_pty(cmd, repo.path, env_for(CREDGATE_PROGRESS_DELAY="0"))
    assert rc == 0, tty
    assert desc in tty and f" {unit}/s" in tty, tty  # a count and a throughput
    if args[0] != "scan":
        assert "/25 " in tty or "/30 " in tty  # the total is known for commit walks
    assert tty.count(SUMMARY) == 1
    piped = subprocess.run(cmd, cwd=repo.path, env=env_for(CREDGATE_PROGRESS_DELAY="0"),
                           capture_output=True, text=True)  # fmt: skip
    assert piped.returncode == 0
    assert desc not in piped.stderr and "\r" not in piped.stderr
    assert [line for line in piped.stderr.splitlines() if line.startswith(SUMMARY)] == [
        line for line in piped.stderr.splitlines() if line.startswith("credgate: ")
    ] and piped.stderr.count(SUMMARY) == 1


def test_a_quick_run_on_a_terminal_draws_nothing(repo: Repo) -> None:
    many_commits(repo, 2)
    rc, _, tty = on_pty([sys.executable, "-m", "credgate", "history"], repo.path, env_for())
    assert rc == 0 and "scanning history" not in tty and tty.count(SUMMARY) == 1


def test_hook_start_up_does_not_import_the_bar_library(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "credgate", "secrets"],
        cwd=repo.path, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if "import time:" in line}
    assert "credgate.gate.staged" in modules  # the measurement is real
    assert not {m for m in modules if m.split(".")[0] in ("tqdm", "rich")}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_every_long_run_ends_with_one_summary_line(repo: Repo, fmt: str) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("leak")
    many_commits(repo, 3)
    repo.write("pic.bin", b"\x00\x01\x02binary\x00")
    for args in (["history"], ["scan", "."], ["scan-range", "--from-ref", "HEAD~3", "--to-ref", "HEAD"]):
        proc = subprocess.run(
            [sys.executable, "-m", "credgate", *args, "--format", fmt],
            cwd=repo.path, capture_output=True, text=True,
        )  # fmt: skip
        lines = [line for line in proc.stderr.splitlines() if line.startswith(SUMMARY)]
        assert len(lines) == 1, (args, proc.stderr)
        assert SUMMARY not in proc.stdout


def test_summary_says_what_was_skipped_and_accepted(repo: Repo) -> None:
    repo.write(".gitignore", "build/\n")
    repo.write(".credgate.toml", 'exclude = ["vendor/**"]\n')
    repo.write("build/x.txt", "x\n")
    repo.write("vendor/lib.txt", "y\n")
    repo.write("a.txt", "hello\n")
    for i in range(5):
        repo.write(f"img{i}.bin", b"\x00binary\x00" * 4)
    err = io.StringIO()
    assert scan.run(["."], opts=Options(verbose=True, out=io.StringIO(), err=err)) == 0
    text = err.getvalue()
    (line,) = [x for x in text.splitlines() if x.startswith(SUMMARY)]
    assert "5 binary (searched for high-confidence tokens only: " in line and "+2 more" in line
    assert "1 excluded by config" in line and "1 ignored by .gitignore" in line
    assert "binary file" not in text  # -v gives a count, not a line per binary file
    assert len(text.splitlines()) == 1


def test_counting_stats_moves_the_bar_and_keeps_the_counts() -> None:
    bar = progress.Bar("x", "commits", io.StringIO(), enabled=False)
    stats = progress.counting_stats(bar, "commits")
    stats.commits += 3
    stats.files += 2
    stats.bytes += 100
    assert (stats.commits, stats.files, stats.bytes) == (3, 2, 100)
    assert (bar.count, bar.bytes) == (3, 100)


def test_bar_is_drawn_only_on_a_terminal_or_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not progress.wanted(io.StringIO())
    monkeypatch.setenv("CREDGATE_PROGRESS", "1")
    assert progress.wanted(io.StringIO())
    monkeypatch.setenv("CREDGATE_PROGRESS", "0")
    assert not progress.wanted(io.StringIO())


def test_parallel_history_moves_the_bar_from_the_workers(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    many_commits(repo, 12)
    monkeypatch.setattr(history_gate, "PARALLEL_MIN_COMMITS", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv("CREDGATE_PROGRESS", "1")
    monkeypatch.setenv("CREDGATE_PROGRESS_DELAY", "0")
    err = io.StringIO()
    assert history.run(opts=Options(out=io.StringIO(), err=err)) == 0
    drawn = err.getvalue()
    assert "scanning history" in drawn and "/12 [" in drawn  # counted in the workers, drawn here
    assert drawn.count(SUMMARY) == 1 and "scanned 12 commits" in drawn


def test_range_summary_is_printed_once_with_findings(repo: Repo) -> None:
    many_commits(repo, 2)
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("leak")
    err = io.StringIO()
    assert scan_range.run(from_ref="HEAD~2", to_ref="HEAD", opts=Options(out=io.StringIO(), err=err)) == 1
    assert err.getvalue().count(SUMMARY) == 1
