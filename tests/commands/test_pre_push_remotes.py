"""pre-push excludes only what the destination already has: the remote shas git reports
for it and its own remote-tracking refs. A mirror, a fork or a forged ref does not count."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from credgate.commands import scan_range
from credgate.commands._options import Options
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, env_file_with_aws


def bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def push(repo: Repo, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


def branches(remote: Path) -> str:
    return subprocess.run(["git", "branch"], cwd=remote, capture_output=True, text=True).stdout


@pytest.fixture
def two_remotes(repo: Repo, tmp_path: Path) -> tuple[Path, Path]:
    origin, mirror = bare(tmp_path / "origin.git"), bare(tmp_path / "mirror.git")
    repo.git("remote", "add", "origin", str(origin))
    repo.git("remote", "add", "mirror", str(mirror))
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    repo.git("push", "-q", "origin", "main")
    repo.git("push", "-q", "mirror", "main")
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    return origin, mirror


def test_a_branch_pushed_to_a_mirror_first_is_still_scanned_for_origin(
    repo: Repo, two_remotes: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, _ = two_remotes
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("keys.env", env_file_with_aws())
    repo.commit("keys")
    skipped = push(repo, tmp_path, "--no-verify", "mirror", "feature")  # a private mirror, hook skipped
    assert skipped.returncode == 0
    assert (
        repo.git("rev-parse", "refs/remotes/mirror/feature").strip() == repo.git("rev-parse", "HEAD").strip()
    )
    blocked = push(repo, tmp_path, "origin", "feature")
    assert blocked.returncode != 0
    assert "keys.env:2" in blocked.stdout + blocked.stderr
    assert "feature" not in branches(origin)


def test_a_forged_remote_tracking_ref_exempts_nothing(
    repo: Repo, two_remotes: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, _ = two_remotes
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("keys.env", env_file_with_aws())
    repo.commit("keys")
    repo.git("update-ref", "refs/remotes/x/y", "HEAD")  # no remote x
    repo.git("update-ref", "refs/remotes/mirror/forged", "HEAD")  # another remote's namespace
    blocked = push(repo, tmp_path, "origin", "feature")
    assert blocked.returncode != 0 and "keys.env:2" in blocked.stdout + blocked.stderr
    assert "feature" not in branches(origin)


def test_what_the_destination_has_is_not_scanned_again(
    repo: Repo, two_remotes: tuple[Path, Path], tmp_path: Path
) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("a.py", "a = 1\n")
    repo.commit()
    first = push(repo, tmp_path, "origin", "feature")
    assert first.returncode == 0, first.stderr
    assert "credgate: scanned 1 commit (" in first.stderr  # the summary line, without -v
    repo.git("checkout", "-q", "-b", "second")
    repo.stage("b.py", "b = 2\n")
    repo.commit()
    # A new branch: origin's own tracking ref (refs/remotes/origin/feature) holds the first commit.
    second = push(repo, tmp_path, "origin", "second")
    assert second.returncode == 0, second.stderr
    assert "credgate: scanned 1 commit (" in second.stderr
    # An update: the remote sha git reports is excluded.
    repo.stage("c.py", "c = 3\n")
    repo.commit()
    third = push(repo, tmp_path, "origin", "second")
    assert third.returncode == 0 and "credgate: scanned 1 commit (" in third.stderr


def test_a_push_to_a_url_excludes_only_the_shas_git_reports(
    repo: Repo, two_remotes: tuple[Path, Path]
) -> None:
    origin, _ = two_remotes
    repo.stage("b.py", "b = 2\n")
    repo.commit()
    tip = repo.git("rev-parse", "HEAD").strip()
    zero = "0" * 40
    err = io.StringIO()
    stdin = io.StringIO(f"refs/heads/main {tip} refs/heads/new {zero}\n")
    # Pushed to a URL (no remote name): no tracking refs count, so all of main's history is new to it.
    rc = scan_range.run(
        pre_push=(str(origin), str(origin)), stdin=stdin, opts=Options(out=io.StringIO(), err=err)
    )
    assert rc == 0 and "scanned 2 commits" in err.getvalue()
    base = repo.git("rev-parse", "HEAD^").strip()
    err = io.StringIO()
    stdin = io.StringIO(f"refs/heads/main {tip} refs/heads/main {base}\n")
    rc = scan_range.run(
        pre_push=(str(origin), str(origin)), stdin=stdin, opts=Options(out=io.StringIO(), err=err)
    )
    assert rc == 0 and "scanned 1 commit (" in err.getvalue()


def test_pre_commit_new_branch_excludes_only_the_destination_remote(
    repo: Repo, two_remotes: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("keys.env", env_file_with_aws())
    repo.commit("keys")
    assert push(repo, tmp_path, "--no-verify", "mirror", "feature").returncode == 0
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/feature")
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    out, err = io.StringIO(), io.StringIO()
    assert scan_range.run(opts=Options(out=out, err=err)) == 1
    assert "keys.env:2" in out.getvalue() and "scanned 1 commit (" in err.getvalue()


def test_every_range_scan_ends_with_one_summary_line(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    base = repo.git("rev-parse", "HEAD").strip()
    repo.stage("b.env", env_file_with_aws())
    repo.commit()
    for fmt, rc_expected in (("text", 1), ("json", 1), ("sarif", 1)):
        err = io.StringIO()
        rc = scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(fmt=fmt, out=io.StringIO(), err=err))
        lines = [line for line in err.getvalue().splitlines() if line.startswith("credgate: scanned")]
        assert rc == rc_expected and len(lines) == 1, err.getvalue()
        assert "scanned 1 commit (1 changed file," in lines[0]
    err = io.StringIO()
    stdin = io.StringIO(f"refs/heads/gone {'0' * 40} refs/heads/gone {base}\n")
    assert (
        scan_range.run(pre_push=("origin", "url"), stdin=stdin, opts=Options(out=io.StringIO(), err=err)) == 0
    )
    assert err.getvalue().startswith("credgate: scanned 0 commits")


def test_a_mirror_refspec_does_not_make_local_branches_tracking_refs(
    repo: Repo, two_remotes: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, _ = two_remotes
    repo.git("config", "--add", "remote.origin.fetch", "+refs/heads/*:refs/heads/*")
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("keys.env", env_file_with_aws())
    repo.commit("keys")
    blocked = push(repo, tmp_path, "origin", "feature")
    assert blocked.returncode != 0 and "keys.env:2" in blocked.stdout + blocked.stderr
    assert "feature" not in branches(origin)
