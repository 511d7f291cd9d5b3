"""Large files: scanned in bounded memory, never skipped in silence; over max-file-size they block."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from credgate.commands import scan, scan_range, secrets
from credgate.commands._options import Options
from tests.conftest import Repo, secret

MiB = 1 << 20


def _padded(
    size: int, middle: bytes, line: bytes = b"# padding: nothing to see in this comment line\n"
) -> bytes:
    """About `size` bytes of comment lines with `middle` inserted halfway; returns whole lines."""
    n = size // len(line)
    return line * (n // 2) + middle + line * (n - n // 2)


def _line_of(data: bytes, needle: bytes) -> int:
    return data.count(b"\n", 0, data.index(needle)) + 1


def run_secrets(**kw: object) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    opts = Options(out=out, err=err, **{k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw})  # type: ignore[arg-type]
    rc = secrets.run(opts=opts, **kw)  # type: ignore[arg-type]
    return rc, out.getvalue() + err.getvalue()


def test_padding_a_file_past_25_mib_no_longer_hides_a_token(repo: Repo) -> None:
    token = secret("%%github:ghp_%%").encode()
    data = _padded(26 * MiB, b"TOKEN = '" + token + b"'\n")
    repo.stage("settings.py", data)
    rc, out = run_secrets(fmt="json")
    doc = json.loads(out)
    assert rc == 1
    assert [(f["rule"], f["line"], f["path"]) for f in doc["findings"]] == [
        ("github-pat", _line_of(data, token), "settings.py")
    ]
    assert doc["stats"]["too_large"] == [] and doc["stats"]["bytes"] == len(data)


def test_a_large_file_is_scanned_in_less_memory_than_its_size(repo: Repo) -> None:
    token = secret("%%github:ghp_%%").encode()
    data = _padded(48 * MiB, b"TOKEN = '" + token + b"'\n")
    repo.stage("huge.py", data)
    del data
    tracemalloc.start()
    try:
        rc, out = run_secrets()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rc == 1 and "huge.py:" in out
    # Reading the blob whole (and its patch) costs several times 48 MiB; windows cost a few of 8 MiB.
    assert peak < 48 * MiB, f"peak {peak / MiB:.0f} MiB"


def test_lines_added_to_a_large_file_are_judged_on_their_own_lines(repo: Repo) -> None:
    old_token = secret("%%github:ghp_%%").encode()
    base = _padded(12 * MiB, b"OLD = '" + old_token + b"'\n")
    repo.stage("big.py", base)
    repo.commit("legacy, committed without the hook")
    new_token = secret("%%github:ghp_%%").encode()
    lines = base.split(b"\n")
    at = len(lines) * 9 // 10  # far into the last window
    lines.insert(at, b"NEW = '" + new_token + b"'")
    changed = b"\n".join(lines)
    repo.stage("big.py", changed)
    rc, out = run_secrets(fmt="json")
    doc = json.loads(out)
    assert rc == 1
    assert [(f["rule"], f["line"]) for f in doc["findings"]] == [("github-pat", at + 1)]
    assert doc["stats"]["not_blocking"] == 1  # the old token, on a line this commit does not add


def test_over_max_file_size_blocks_in_every_gate_and_allow_large_accepts_it(
    repo: Repo, tmp_path: Path
) -> None:
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\n')
    repo.stage("data/dump.sql", _padded(2 * MiB, b"-- nothing\n"))
    # The staged gate.
    rc, out = run_secrets()
    assert rc == 1 and "data/dump.sql:1:1  file-too-large" in out
    # A directory scan.
    out_io = io.StringIO()
    assert scan.run(["data"], opts=Options(out=out_io, err=io.StringIO())) == 1
    assert "file-too-large" in out_io.getvalue()
    # The range gate.
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.stage("data/dump.sql", _padded(3 * MiB, b"-- still nothing\n"))
    repo.commit("grow the dump")
    range_out = io.StringIO()
    assert scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(out=range_out, err=io.StringIO())) == 1
    assert "data/dump.sql:1:1  file-too-large" in range_out.getvalue()
    # A reviewer accepts the path: every gate turns it into a notice.
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\nallow-large = ["data/*.sql"]\n')
    assert (
        scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(out=io.StringIO(), err=io.StringIO())) == 0
    )
    assert scan.run(["data"], opts=Options(out=io.StringIO(), err=io.StringIO())) == 0
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\nallow-large = "data/*.sql"\n')
    from credgate.errors import UsageError

    with pytest.raises(UsageError, match="allow-large must be a list"):
        run_secrets()


def test_pre_receive_blocks_a_blob_over_the_limit_and_finds_a_token_in_a_large_one(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    repo.git("push", "-q", "origin", "main")
    old = repo.git("rev-parse", "HEAD").strip()
    token = secret("%%github:ghp_%%").encode()
    data = _padded(10 * MiB, b"TOKEN = '" + token + b"'\n")
    repo.stage("vendor/bundle.js", data)
    repo.stage("assets/blob.bin", os.urandom(6 * MiB))
    repo.commit("committed with --no-verify")
    new = repo.git("rev-parse", "HEAD").strip()
    repo.git("push", "-q", "--no-verify", "origin", "main:incoming")  # objects on the server, no hook yet
    server_cfg = tmp_path / "server.toml"
    server_cfg.write_text('max-file-size = "5MiB"\n')
    monkeypatch.chdir(bare)
    out = io.StringIO()
    rc = scan_range.run(
        pre_receive=True,
        stdin=io.StringIO(f"{old} {new} refs/heads/main\n"),
        opts=Options(config_path=str(server_cfg), fmt="json", out=out, err=io.StringIO()),
    )
    doc = json.loads(out.getvalue())
    assert rc == 1
    found = sorted((f["rule"], f["path"], f["line"]) for f in doc["findings"])
    assert found == [
        ("file-too-large", "assets/blob.bin", 1),
        ("file-too-large", "vendor/bundle.js", 1),
    ]
    server_cfg.write_text('max-file-size = "20MiB"\n')
    out = io.StringIO()
    scan_range.run(
        pre_receive=True,
        stdin=io.StringIO(f"{old} {new} refs/heads/main\n"),
        opts=Options(config_path=str(server_cfg), fmt="json", out=out, err=io.StringIO()),
    )
    found = sorted((f["rule"], f["path"], f["line"]) for f in json.loads(out.getvalue())["findings"])
    assert found == [("github-pat", "vendor/bundle.js", _line_of(data, token))]


def test_scan_of_a_large_file_on_disk_streams_it(tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%").encode()
    data = _padded(9 * MiB, b"TOKEN = '" + token + b"'\n")
    (tmp_path / "big.txt").write_bytes(data)
    out = io.StringIO()
    assert scan.run([str(tmp_path)], opts=Options(fmt="json", out=out, err=io.StringIO())) == 1
    doc = json.loads(out.getvalue())
    assert [(f["rule"], f["line"]) for f in doc["findings"]] == [("github-pat", _line_of(data, token))]


def test_cli_names_the_file_that_is_too_large(repo: Repo) -> None:
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\n')
    repo.stage("blob.dat", b"z" * (MiB + 20_000))
    proc = subprocess.run([sys.executable, "-m", "credgate", "secrets"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "blob.dat:1:1  file-too-large" in proc.stdout and "allow-large" in proc.stdout


def test_a_file_over_the_limit_blocks_when_a_change_adds_to_it_not_when_it_is_only_moved(repo: Repo) -> None:
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\n')
    repo.stage("big.log", _padded(MiB + 200_000, b"entry\n"))
    repo.commit("accepted long ago")
    repo.git("mv", "big.log", "old.log")
    assert run_secrets()[0] == 0
    repo.stage("old.log", (repo.path / "old.log").read_bytes() + b"one more line\n")
    rc, out = run_secrets()
    assert rc == 1 and "old.log:1:1  file-too-large" in out
