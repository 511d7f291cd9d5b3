"""`credgate ci`: the range comes from the CI's environment; shallow clones fail with the fix."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from credgate.commands import ci
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, env_file_with_aws


def run(env: dict[str, str], **kw: object) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
    rc = ci.run(env=env, **kw, opts=Options(out=out, err=err, **shared))  # type: ignore[arg-type]
    return rc, out.getvalue() + err.getvalue()


def sha(repo: Repo, rev: str = "HEAD") -> str:
    return repo.git("rev-parse", rev).strip()


@pytest.fixture
def pr_repo(repo: Repo) -> Repo:
    """main with a committed secret in its history, and a feature branch off it."""
    repo.stage("old.env", env_file_with_aws())
    repo.commit("an old leak on main, already handled elsewhere")
    repo.stage("README.md", "hello\n")
    repo.commit("main")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def github_event(tmp_path: Path, event: dict[str, object]) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(path), "CI": "true"}


def test_github_pull_request_scans_only_what_the_pr_adds(pr_repo: Repo, tmp_path: Path) -> None:
    base = sha(pr_repo)
    pr_repo.stage("app.py", "print('feature')\n")
    pr_repo.commit("feature work")
    env = github_event(tmp_path, {"pull_request": {"base": {"sha": base}, "head": {"sha": sha(pr_repo)}}})
    rc, out = run(env, verbose=True)
    assert rc == 0, out
    assert "scanned 1 commit" in out  # main's history (with its old leak) is not re-flagged
    pr_repo.stage("new.env", env_file_with_aws())
    pr_repo.commit("leak in the PR")
    env = github_event(tmp_path, {"pull_request": {"base": {"sha": base}, "head": {"sha": sha(pr_repo)}}})
    rc, out = run(env)
    assert rc == 1 and "new.env:2" in out and "old.env" not in out


def test_github_push_event_uses_before_and_after(pr_repo: Repo, tmp_path: Path) -> None:
    before = sha(pr_repo)
    pr_repo.stage("k.env", env_file_with_aws())
    pr_repo.commit()
    rc, out = run(github_event(tmp_path, {"before": before, "after": sha(pr_repo)}))
    assert rc == 1 and "k.env:2" in out


def test_gitlab_merge_request(pr_repo: Repo) -> None:
    base = sha(pr_repo)
    pr_repo.stage("k.env", env_file_with_aws())
    pr_repo.commit()
    env = {"GITLAB_CI": "true", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": sha(pr_repo)}
    assert run(env)[0] == 1
    env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = sha(pr_repo)
    assert run(env)[0] == 0


def test_generic_ci_needs_a_base(pr_repo: Repo) -> None:
    with pytest.raises(UsageError, match="no CI system detected"):
        run({})
    assert run({"CI": "true", "CREDGATE_BASE": sha(pr_repo, "HEAD")})[0] == 0


def test_shallow_clone_explains_fetch_depth(
    pr_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = sha(pr_repo, "HEAD~1")
    pr_repo.stage("app.py", "x = 1\n")
    pr_repo.commit()
    clone = tmp_path / "ci-clone"
    url = f"file://{pr_repo.path}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", url, str(clone)], check=True)
    monkeypatch.chdir(clone)
    env = github_event(tmp_path, {"pull_request": {"base": {"sha": base}, "head": {"sha": sha(pr_repo)}}})
    with pytest.raises(UsageError, match="too shallow") as exc:
        run(env)
    assert "fetch-depth: 0" in exc.value.hint
