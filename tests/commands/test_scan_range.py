"""Hook `credgate-range` / `credgate scan-range`: commits in a range, a push or a receive."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands import scan_range
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, env_file_with_aws, secret


def run(**kw: object) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
    rc = scan_range.run(**kw, opts=Options(out=out, err=err, **shared))  # type: ignore[arg-type]
    return rc, out.getvalue() + err.getvalue()


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_secret_added_then_removed_inside_the_range_still_blocks(repo: Repo) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    base = head(repo)
    repo.stage("deploy.env", env_file_with_aws())
    repo.commit("add keys")
    leaked = head(repo)
    repo.git("rm", "-q", "deploy.env")
    repo.commit("remove keys")
    rc, out = run(from_ref=base, to_ref="HEAD")
    assert rc == 1
    assert f"commit {leaked[:12]}" in out
    assert "deploy.env:2:19  aws-access-key-id" in out
    assert f"git rebase -i {base[:12]}" in out


def test_clean_range_says_how_many_commits_it_scanned(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    base = head(repo)
    for i in range(3):
        repo.stage(f"f{i}.py", f"x = {i}\n")
        repo.commit()
    rc, out = run(from_ref=base, to_ref="HEAD", verbose=True)
    assert rc == 0
    assert "scanned 3 commits (3 changed files, 18 B)" in out


def test_secret_present_before_the_range_is_not_reported_again(repo: Repo) -> None:
    repo.stage("old.env", env_file_with_aws())
    repo.commit("legacy")
    base = head(repo)
    repo.stage("old.env", (repo.path / "old.env").read_text() + "EXTRA=1\n")
    repo.commit("edit")
    assert run(from_ref=base, to_ref="HEAD")[0] == 0


def merge_with_conflict(repo: Repo, resolution: str) -> None:
    repo.stage("conf.py", "a = 1\nb = 2\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.stage("conf.py", "a = 1\nb = 'side'\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.stage("conf.py", "a = 1\nb = 'main'\n")
    repo.commit("main")
    repo.git("merge", "-q", "side", check=False)
    repo.stage("conf.py", resolution)
    repo.commit("merge side")


def test_evil_merge_resolution_that_adds_a_secret_is_blocked(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    merge_with_conflict(repo, f"a = 1\nb = 'main'\nTOKEN = '{token}'\n")
    merge = head(repo)
    base = repo.git("rev-parse", "HEAD^1^").strip()
    rc, out = run(from_ref=base, to_ref="HEAD")
    assert rc == 1
    assert f"commit {merge[:12]}" in out and "conf.py:3" in out


def test_clean_merge_does_not_rescan_the_merged_branch(repo: Repo) -> None:
    merge_with_conflict(repo, "a = 1\nb = 'merged'\n")
    repo.git("checkout", "-q", "-b", "feature", "HEAD^2")  # the side branch
    repo.stage("feature.env", env_file_with_aws())
    repo.commit("secret on a branch that was already pushed")
    feature = head(repo)
    repo.git("checkout", "-q", "main")
    before = head(repo)
    repo.git("merge", "-q", "--no-edit", "feature")
    # The branch's own commit is excluded (already scanned when pushed); the merge adds nothing new.
    assert run(from_ref=f"{before}", to_ref="HEAD")[0] == 1  # without the branch excluded, it is found
    rc, out = run(to_ref="HEAD", from_ref=feature)
    assert rc == 0, out


def test_unknown_ref_is_a_usage_error(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    with pytest.raises(UsageError, match="is not a commit"):
        run(from_ref="0123456789abcdef0123456789abcdef01234567", to_ref="HEAD")
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "scan-range", "--from-ref", "HEAD"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "no range to scan" in proc.stderr


def test_pre_commit_environment_gives_the_range(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    base = head(repo)
    repo.stage("b.env", env_file_with_aws())
    repo.commit()
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", head(repo))
    assert run()[0] == 1


def test_shallow_clone_fails_closed_with_the_fix(repo: Repo, tmp_path: Path) -> None:
    for i in range(3):
        repo.stage(f"f{i}", f"{i}\n")
        repo.commit()
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True)
    os.chdir(clone)
    subprocess.run(["git", "update-ref", "-d", "refs/remotes/origin/main"], check=True)
    subprocess.run(["git", "update-ref", "-d", "refs/remotes/origin/HEAD"], check=False)
    with pytest.raises(UsageError, match="too shallow") as exc:
        run(to_ref="HEAD")
    assert "fetch-depth: 0" in exc.value.hint


# ------------------------------------------------------------ real pushes through the plain hooks


@pytest.fixture
def remote(tmp_path: Path, repo: Repo) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    repo.git("push", "-q", "origin", "main")
    return bare


def push(repo: Repo, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


def test_pre_push_hook_blocks_a_new_branch_with_a_secret(repo: Repo, remote: Path, tmp_path: Path) -> None:
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("keys.env", env_file_with_aws())
    repo.commit("oops")
    repo.git("rm", "-q", "keys.env")
    repo.commit("remove the keys again")
    blocked = push(repo, tmp_path, "origin", "feature")
    assert blocked.returncode != 0
    assert "aws-access-key-id" in blocked.stderr + blocked.stdout
    assert (
        "feature" not in subprocess.run(["git", "branch"], cwd=remote, capture_output=True, text=True).stdout
    )


def test_pre_push_hook_passes_clean_pushes_and_deletions(repo: Repo, remote: Path, tmp_path: Path) -> None:
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("app.py", "print('ok')\n")
    repo.commit()
    ok = push(repo, tmp_path, "origin", "feature")
    assert ok.returncode == 0, ok.stderr
    repo.stage("app.py", "print('ok, amended')\n")
    repo.git("commit", "-q", "--amend", "--no-edit", "--no-verify")
    forced = push(repo, tmp_path, "--force", "origin", "feature")
    assert forced.returncode == 0, forced.stderr
    deleted = push(repo, tmp_path, "origin", "--delete", "feature")
    assert deleted.returncode == 0, deleted.stderr


def test_pre_receive_hook_rejects_a_push_that_skipped_local_hooks(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_bytes((PROJECT / "hooks" / "pre-receive").read_bytes())
    hook.chmod(0o755)
    repo.stage("prod.env", env_file_with_aws())
    repo.commit("committed with --no-verify")
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0
    assert "pre-receive hook declined" in rejected.stderr
    assert "aws-access-key-id" in rejected.stderr
    repo.git("reset", "-q", "--hard", "HEAD^")
    repo.stage("ok.txt", "fine\n")
    repo.commit()
    accepted = push(repo, tmp_path, "origin", "main")
    assert accepted.returncode == 0, accepted.stderr


def test_pre_commit_whole_new_branch_uses_the_local_branch(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit sets no refs when every commit of the pushed branch is new."""
    repo.stage("a.env", env_file_with_aws())
    repo.commit()
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main")
    rc, out = run(verbose=True)
    assert rc == 1 and "a.env:2" in out


def test_ref_names_in_the_summary_and_the_report_are_escaped(repo: Repo) -> None:
    """A branch name is the pusher's: a bidi override in it must not reorder the summary line or the
    report heading on a terminal or in a CI log (every line is escaped whole at the output edge)."""
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    base = head(repo)
    repo.stage("deploy.env", env_file_with_aws())
    repo.commit("add keys")
    repo.git("branch", "topic\u202eevil")
    out, err = io.StringIO(), io.StringIO()
    assert scan_range.run(from_ref=base, to_ref="topic\u202eevil", opts=Options(out=out, err=err)) == 1
    assert "\u202e" not in out.getvalue() + err.getvalue()
    (summary,) = [line for line in err.getvalue().splitlines() if line.startswith("credgate: scanned")]
    assert f" in {base}..topic\\u202eevil;" in summary
    assert f"found in commits in {base}..topic\\u202eevil\n" in out.getvalue()
