"""gitio/early.py: the staged gate's first git reads, started in a thread, give exactly what the calls
give, once, to the directory that started them, errors included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credgate import gitio
from credgate.errors import UsageError
from credgate.gitio import early
from tests.conftest import Repo


def _view(changes: list[gitio.Change]) -> list[tuple[object, ...]]:
    return [(c.status, c.path, c.old_path, c.new_sha, sorted(c.added), c.all_added) for c in changes]


def test_early_reads_are_the_reads_and_are_served_once(repo: Repo) -> None:
    repo.stage("kept.py", "a = 1\nb = 2\n")
    repo.commit()
    repo.stage("kept.py", "a = 1\nb = 3\nc = 4\n")
    repo.stage("new.py", "x = 1\n")
    want_state = gitio.repo_state()
    want = _view(gitio.staged_changes_lean(want_state.diff_base))

    early.start()
    try:
        assert early._jobs  # the thread's results are waiting to be taken
        state = gitio.repo_state()
        assert state == want_state
        assert "repo_state" not in early._jobs  # taken: the next call runs git itself
        assert _view(gitio.staged_changes_lean(state.diff_base)) == want
        assert set(early._jobs) == {"start_batch"}  # the cat-file, for the blobs
        assert early.take("repo_state", None) is None
    finally:
        early.stop()
    assert _view(gitio.staged_changes_lean(state.diff_base)) == want


def test_an_early_error_is_raised_where_the_call_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    early.start()
    try:
        with pytest.raises(UsageError, match="not inside a git repository"):
            gitio.repo_state()
        assert early.take("staged_changes_lean", "HEAD") is None  # never ran: the caller runs git
    finally:
        early.stop()


def test_nothing_is_served_to_another_directory_or_after_stop(repo: Repo, tmp_path: Path) -> None:
    repo.stage("a.py", "x = 1\n")
    early.start()
    other = tmp_path / "other"
    other.mkdir()
    os.chdir(other)
    try:
        assert early.take("repo_state", None) is None  # started in the repository, asked from elsewhere
    finally:
        os.chdir(repo.path)
        early.stop()
    early.start()
    early.stop()
    assert early.take("repo_state", None) is None
    assert gitio.repo_state().toplevel == os.path.realpath(repo.path)


def test_the_early_cat_file_serves_the_blobs_or_is_ended(repo: Repo) -> None:
    repo.stage("a.py", "x = 1\n")
    sha = repo.git("rev-parse", ":a.py").strip()
    early.start()
    try:
        [blob] = list(gitio.read_blob_streams([sha], 1 << 20, 1 << 20))
        assert blob.data == b"x = 1\n" and "start_batch" not in early._jobs  # read through the early one
    finally:
        early.stop()
    early.start()
    state_job = early._jobs["start_batch"]
    early.stop()  # the gate never asked for blobs: the waiting cat-file is ended, not left behind
    assert state_job.value.poll() is not None
