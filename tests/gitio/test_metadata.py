"""Commit metadata for reports, read from real commits: encodings, time zones, replace refs, SHA-256."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from credgate import gitio
from credgate.errors import InternalError
from tests.conftest import Repo


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_author_date_and_subject_as_recorded(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    env = {"GIT_AUTHOR_DATE": "2024-03-01T10:20:30+05:30", "GIT_AUTHOR_NAME": "Zoë Ünicode"}
    repo.git("commit", "-q", "--no-verify", "-m", "rotate the key\nafter the leak\n\nbody text", env=env)
    first = head(repo)
    repo.git("commit", "-q", "--allow-empty", "-m", "second")
    info = gitio.commit_info([first, head(repo)], cwd=str(repo.path))
    assert set(info) == {first, head(repo)}
    one = info[first]
    assert (one.sha, one.author_name, one.author_email) == (first, "Zoë Ünicode", "test@example.invalid")
    assert one.authored == datetime(2024, 3, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert one.subject == "rotate the key after the leak"  # git's %s: the first paragraph, one line
    assert info[head(repo)].subject == "second"


def test_a_commit_in_a_legacy_encoding_is_read_in_that_encoding(repo: Repo) -> None:
    # GitPython decodes such an author line as UTF-8 (`Jos\ufffd`): git re-encodes it properly.
    subprocess.run(
        ["git", "-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--allow-empty", "-F", "-"],
        cwd=repo.path, input=b"caf\xe9 subject\n", check=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "Jos\udce9"},
    )  # fmt: skip
    (info,) = gitio.commit_info([head(repo)], cwd=str(repo.path)).values()
    assert (info.author_name, info.subject) == ("José", "café subject")


def test_a_replace_ref_does_not_change_whom_a_report_names(repo: Repo) -> None:
    repo.git("commit", "-q", "--allow-empty", "-m", "the real commit")
    real = head(repo)
    repo.git("commit", "-q", "--allow-empty", "-m", "a decoy", env={"GIT_AUTHOR_NAME": "Decoy"})
    decoy = head(repo)
    repo.git("replace", real, decoy)  # refs/replace/<real> -> decoy: plain `git log` now shows the decoy
    assert "a decoy" in repo.git("log", "-1", "--format=%s", real)
    info = gitio.commit_info([real], cwd=str(repo.path))[real]
    assert (info.subject, info.author_name) == ("the real commit", "Test User")


def test_sha256_repositories_work(tmp_path: Path) -> None:
    r = Repo(tmp_path / "s256")
    r.path.mkdir()
    r.git("init", "-q", "--object-format=sha256")
    r.git("commit", "-q", "--allow-empty", "-m", "sha-256 commit")
    sha = head(r)
    assert len(sha) == 64
    assert gitio.commit_info([sha], cwd=str(r.path))[sha].subject == "sha-256 commit"


def test_what_is_not_a_commit_is_an_error_not_a_blank(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    blob = repo.git("rev-parse", "HEAD:a.txt").strip()
    with pytest.raises(InternalError, match=f"did not show {blob} as a commit"):
        gitio.commit_info([blob], cwd=str(repo.path))
    with pytest.raises(gitio.GitCommandError, match="bad object"):
        gitio.commit_info(["1" * 40], cwd=str(repo.path))
    with pytest.raises(InternalError, match="did not show HEAD"):
        gitio.commit_info(["HEAD"], cwd=str(repo.path))  # ids only: a name is resolved first
    assert gitio.commit_info([], cwd=str(repo.path)) == {}
