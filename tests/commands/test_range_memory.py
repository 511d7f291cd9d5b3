"""Large files in the range gates and history: found on their line, in bounded memory (issue 13 item 4).

A file over 8 MiB that a commit adds is never asked of git as a patch (every line is added); a
large file's patch that is read (an edit) streams through with only its line numbers kept.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import gitio
from credgate.commands import history, scan_range
from credgate.commands._options import Options
from credgate.gate import history as history_gate
from tests.conftest import PROJECT, Repo, secret

MiB = 1 << 20
PAD = b"# padding: nothing to see in this comment line\n"


def _padded(size: int, middle: bytes) -> bytes:
    n = size // len(PAD)
    return PAD * (n // 2) + middle + PAD * (n - n // 2)


def _line_of(data: bytes, needle: bytes) -> int:
    return data.count(b"\n", 0, data.index(needle)) + 1


def _range_findings(base: str, tip: str = "HEAD") -> tuple[int, list[tuple[str, str, int]]]:
    out = io.StringIO()
    rc = scan_range.run(from_ref=base, to_ref=tip, opts=Options(fmt="json", out=out, err=io.StringIO()))
    return rc, sorted((f["rule"], f["path"], f["line"]) for f in json.loads(out.getvalue())["findings"])


def _history_findings() -> list[tuple[str, str, int]]:
    out = io.StringIO()
    history.run(opts=Options(fmt="json", out=out, err=io.StringIO()))
    return sorted((f["rule"], f["path"], f["line"]) for f in json.loads(out.getvalue())["findings"])


def _pre_receive(repo: Repo, tmp_path: Path, old: str, new: str) -> tuple[int, str]:
    """Push new to main of a bare repository whose real hooks/pre-receive runs this credgate."""
    bare = tmp_path / "server.git"
    if not bare.exists():
        subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
        repo.git("push", "-q", "--no-verify", str(bare), f"{old}:refs/heads/main")
        hook = bare / "hooks" / "pre-receive"
        shutil.copy(PROJECT / "hooks" / "pre-receive", hook)
        hook.chmod(0o755)
    wrapper = tmp_path / "credgate"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m credgate "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "CREDGATE": str(wrapper)}
    proc = subprocess.run(
        ["git", "push", "--no-verify", str(bare), f"{new}:refs/heads/main"],
        cwd=repo.path, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    return proc.returncode, proc.stderr


def test_a_token_in_a_large_added_file_is_found_on_its_line_without_its_patch(
    repo: Repo, tmp_path: Path
) -> None:
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    token = secret("%%github:ghp_%%").encode()
    data = _padded(12 * MiB, b"TOKEN = '" + token + b"'\n")
    repo.stage("vendor/big.py", data)
    repo.stage("small.py", "x = 1\n")
    repo.commit("a large file")
    tip = repo.git("rev-parse", "HEAD").strip()
    line = _line_of(data, token)
    # git lists the large blob, and the commit that adds it, without reading a patch.
    large = gitio.large_blobs([tip, f"^{base}"], 8 * MiB)
    assert large == {repo.git("rev-parse", "HEAD:vendor/big.py").strip()}
    (commit,) = gitio.iter_commits([tip, f"^{base}"], large_above=8 * MiB)
    changes = {c.path: c for c in commit.changes}
    assert changes[b"vendor/big.py"].all_added and changes[b"vendor/big.py"].lines_only
    assert sorted(changes[b"small.py"].added) == [1] and not changes[b"small.py"].lines_only
    assert _range_findings(base) == (1, [("github-pat", "vendor/big.py", line)])
    assert _history_findings() == [("github-pat", "vendor/big.py", line)]
    rc, err = _pre_receive(repo, tmp_path, base, tip)
    assert rc != 0 and f"vendor/big.py:{line}:" in err


def test_a_token_added_to_a_large_file_is_found_on_its_line_and_old_lines_do_not_block(
    repo: Repo, tmp_path: Path
) -> None:
    old_token = secret("%%github:ghp_%%").encode()
    before = _padded(12 * MiB, b"OLD = '" + old_token + b"'\n")
    repo.stage("data.py", before)
    repo.commit("legacy, committed without the gate")
    base = repo.git("rev-parse", "HEAD").strip()
    new_token = secret("%%github:ghp_%%").encode()
    lines = before.split(b"\n")
    at = len(lines) * 3 // 4
    lines[at] = b"NEW = '" + new_token + b"'"  # one line changed, far from the old token
    after = b"\n".join(lines)
    repo.stage("data.py", after)
    repo.commit("one line edited")
    tip = repo.git("rev-parse", "HEAD").strip()
    (commit,) = gitio.iter_commits([tip, f"^{base}"], large_above=8 * MiB)
    (change,) = commit.changes
    # This patch is one small hunk; a patch over 8 MiB is test_a_large_patch_keeps_line_numbers_only.
    assert sorted(change.added) == [at + 1] and not change.all_added
    assert _range_findings(base) == (1, [("github-pat", "data.py", at + 1)])
    old_line = _line_of(after, old_token)
    # History reports both, each where it came in.
    assert _history_findings() == sorted(
        [("github-pat", "data.py", at + 1), ("github-pat", "data.py", old_line)]
    )
    rc, err = _pre_receive(repo, tmp_path, base, tip)
    assert rc != 0 and f"data.py:{at + 1}:" in err and f"data.py:{old_line}:" not in err


def test_a_large_patch_keeps_line_numbers_only(repo: Repo) -> None:
    """An edit whose own patch is over 8 MiB (a rewritten half) streams through the log reader."""
    repo.stage("dump.sql", _padded(10 * MiB, b"-- start\n"))
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    token = secret("%%github:ghp_%%").encode()
    old = (repo.path / "dump.sql").read_bytes()
    keep = old[: len(old) // 3]
    keep = keep[: keep.rindex(b"\n") + 1]
    rewritten = b"-- rewritten row, no longer the old padding text\n" * (9 * MiB // 50)
    new = (
        keep
        + rewritten[: len(rewritten) // 2]
        + b"TOKEN = '"
        + token
        + b"'\n"
        + rewritten[len(rewritten) // 2 :]
    )
    repo.stage("dump.sql", new)
    repo.commit("rewrite most of it")
    (commit,) = gitio.iter_commits(["HEAD", f"^{base}"], large_above=8 * MiB)
    (change,) = commit.changes
    first = keep.count(b"\n") + 1
    assert change.lines_only and not change.all_added and not change.added_blocks
    assert min(change.added) == first and max(change.added) == new.count(b"\n")
    line = _line_of(new, token)
    assert _range_findings(base) == (1, [("github-pat", "dump.sql", line)])
    assert ("github-pat", "dump.sql", line) in _history_findings()


def test_history_reads_allow_markers_in_a_large_file_at_head_a_chunk_at_a_time(repo: Repo) -> None:
    """A value committed long ago and marked as allowed since, in a file too large to hold at HEAD."""
    allowed, kept = secret("%%github:ghp_%%").encode(), secret("%%github:ghp_%%").encode()
    line_a, line_k = b"EXAMPLE = '" + allowed + b"'", b"REAL = '" + kept + b"'"
    data = _padded(10 * MiB, line_a + b"\n" + PAD * 30_000 + line_k + b"\n")
    repo.stage("big.py", data)
    repo.commit("a large file with two tokens")
    marked = data.replace(line_a, line_a + b"  # credgate:allow")
    repo.stage("big.py", marked)
    repo.commit("one of them is an example")
    assert _history_findings() == [("github-pat", "big.py", _line_of(data, kept))]
    # Chunks that do not fall on line ends, so a value or its marker is cut at some chunk's edge.
    chunks = [marked[i : i + 4099] for i in range(0, len(marked), 4099)]
    assert history_gate.allowed_in_chunks(chunks, allowed, _github_rule(), "big.py")
    assert not history_gate.allowed_in_chunks(chunks, kept, _github_rule(), "big.py")


def _github_rule() -> object:
    from credgate.config import Config
    from credgate.gate.scanning import build_scanner

    return build_scanner(Config()).ruleset.by_id["github-pat"]


def test_a_large_file_added_with_a_rename_in_the_same_commit_keeps_the_rename(repo: Repo) -> None:
    old_token = secret("%%github:ghp_%%").encode()
    repo.stage("tests/fixtures/key.txt", b"TOKEN = '" + old_token + b"'\n" + PAD * 20)
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("mv", "README.md", "README.txt")
    repo.stage("blob.py", _padded(9 * MiB, b"x = 1\n"))
    repo.commit("rename and a large file")
    (commit,) = gitio.iter_commits(["HEAD", f"^{base}"], large_above=8 * MiB)
    statuses = sorted((c.status, c.path, c.old_path, c.all_added, sorted(c.added)) for c in commit.changes)
    assert statuses == [("A", b"blob.py", None, True, []), ("R", b"README.txt", b"README.md", False, [])]
    assert _range_findings(base) == (0, [])


_MEASURE = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _peak_rss_mb(args: list[str], cwd: Path) -> tuple[int, int]:
    """(exit code, peak RSS in MB of the largest process in the command's tree, git included).

    Measured by a small intermediate process: a child forked from this test process would count
    the test's own memory (ru_maxrss survives exec).
    """
    out = subprocess.run([sys.executable, "-c", _MEASURE, *args], cwd=cwd, capture_output=True, text=True)
    rc, peak = out.stdout.split()[-2:]
    return int(rc), int(peak) // 1024  # Linux reports kB


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in kB is Linux's unit")
def test_a_large_added_file_costs_less_memory_than_its_size_in_every_range_command(repo: Repo) -> None:
    size = 60 * MiB
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    token = secret("%%github:ghp_%%").encode()
    repo.stage("dump.py", _padded(size, b"TOKEN = '" + token + b"'\n"))
    repo.commit("a 60 MB file")
    (repo.path / "dump.py").unlink()
    # Before: about 4x the file in the range gates (its patch, held and split), 6x in history.
    bound = 1.2 * size / MiB + 60
    for cmd in (["scan-range", "--from-ref", base, "--to-ref", "HEAD"], ["history"]):
        rc, peak = _peak_rss_mb([sys.executable, "-m", "credgate", *cmd], repo.path)
        assert rc == 1, cmd
        assert peak < bound, f"{cmd[0]}: {peak} MB for a 60 MB file (bound {bound:.0f} MB)"
