"""gitio.run: git's errors carry git's own words, raw; the CLI escapes them where it prints them."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import gitio
from credgate.errors import INTERNAL
from tests.conftest import Repo

# A directory name that would drive a CI log (`##[`) and reorder a terminal line (U+202E), plus a
# byte that is not UTF-8: git quotes it back in its error about a broken included config file.
HOSTILE_DIR = b"##[error]\xe2\x80\xaeevil\xff"


def _break_config(repo: Repo, tmp_path: Path) -> bytes:
    where = os.path.join(os.fsencode(tmp_path), HOSTILE_DIR)
    os.makedirs(where)
    with open(os.path.join(where, b"cfg"), "wb") as fh:
        fh.write(b"[bad\n")
    with open(repo.path / ".git" / "config", "ab") as fh:
        fh.write(
            b'[include]\n\tpath = "' + os.path.join(where, b"cfg") + b'"\n'
        )  # quoted: `#` starts a comment
    return where


def test_a_git_error_message_is_gits_last_line_raw(repo: Repo, tmp_path: Path) -> None:
    where = _break_config(repo, tmp_path)
    with pytest.raises(gitio.GitCommandError) as caught:
        gitio.run("rev-parse", "--show-toplevel", cwd=str(repo.path))
    exc = caught.value
    shown = os.path.join(where, b"cfg").decode("utf-8", "replace")
    assert exc.message == f"git rev-parse failed (exit 128): fatal: bad config line 1 in file {shown}"
    assert "##[error]\u202eevil\ufffd" in exc.message  # not escaped here: the git layer knows no terminal
    assert exc.returncode == 128 and exc.exit_code == INTERNAL
    assert exc.command == ("rev-parse", "--show-toplevel")


def test_the_cli_prints_a_git_error_escaped(repo: Repo, tmp_path: Path) -> None:
    _break_config(repo, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "credgate", "secrets"], cwd=repo.path, capture_output=True)
    assert proc.returncode == INTERNAL
    # Escaped as before the git layer stopped escaping: `##[` loses its bracket, U+202E is shown as
    # a code, and the byte git wrote that is not UTF-8 is a replacement character.
    escaped = f"{tmp_path}/##\\x5berror]\\u202eevil\ufffd/cfg"
    assert proc.stderr.decode("utf-8").splitlines() == [
        f"credgate: error: git rev-parse failed (exit 128): fatal: bad config line 1 in file {escaped}",
        "credgate: failing closed: this check did not pass",
    ]


def test_a_git_error_survives_the_trip_back_from_a_worker_process(repo: Repo) -> None:
    # history hands a worker's error back pickled: it must arrive whole, not as a TypeError.
    with pytest.raises(gitio.GitCommandError) as caught:
        gitio.run("log", "no-such-revision", "--", cwd=str(repo.path))
    back = pickle.loads(pickle.dumps(caught.value))
    assert type(back) is gitio.GitCommandError
    assert (back.message, back.command, back.returncode, back.stderr) == (
        caught.value.message, caught.value.command, caught.value.returncode, caught.value.stderr,
    )  # fmt: skip
    assert back.message.startswith("git log failed (exit 128): fatal: ")
