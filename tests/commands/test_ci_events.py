"""`credgate ci` against the clones CI systems really make, for every event, full and shallow.

A bare repository plays the server. The CI clone is made the way each system makes it:
actions/checkout (`git init`, a fetch into refs/remotes/origin/<branch>, `checkout -B`), the
GitLab runner (`git init`, a fetch of the pipeline's refspecs, a detached checkout), or a
plain `git clone`. With full history the scan must find the secret the event adds, and only
that; a shallow clone must fail with the fix (exit 2). Nothing exits 0 over an unscanned change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Repo, env_file_with_aws

ZERO = "0" * 40
CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "CREDGATE_BASE", "CREDGATE_HEAD", "CREDGATE_DEFAULT")


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


@dataclass
class World:
    dev: Repo
    bare: Path
    url: str
    main: str  # main's tip
    first: str  # the feature branch's first (clean) commit
    feature: str  # its tip: a later commit added new.env with keys, the last one removed it again
    merge: str  # refs/pull/1/merge, as GitHub makes it


@pytest.fixture
def world(repo: Repo, tmp_path: Path) -> World:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.stage("old.env", env_file_with_aws())
    repo.commit("an old leak on main, handled long ago")
    repo.stage("README.md", "hello\n")
    repo.commit("main")
    repo.git("push", "-q", "origin", "main")
    main = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("app.py", "print('feature')\n")
    repo.commit("feature work")
    first = repo.git("rev-parse", "HEAD").strip()
    repo.git("push", "-q", "origin", "feature")
    repo.stage("new.env", env_file_with_aws())
    repo.commit("keys, pushed with --no-verify")
    repo.git("rm", "-q", "new.env")
    repo.commit("remove the keys again")
    repo.git("push", "-q", "origin", "feature")
    feature = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "pr-merge", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    merge = repo.git("rev-parse", "HEAD").strip()
    repo.git("push", "-q", "origin", "pr-merge:refs/pull/1/merge", "pr-merge:refs/merge-requests/1/merge")
    repo.git("push", "-q", "origin", "feature:refs/merge-requests/1/head")
    repo.git("checkout", "-q", "feature")
    return World(repo, bare, f"file://{bare}", main, first, feature, merge)


def actions_checkout(w: World, dest: Path, depth: int, ref: str, sha: str, pr: bool = False) -> Path:
    """What actions/checkout@v4 does: fetch-depth 0 fetches every branch and tag into
    refs/remotes/origin/*; the default (1) fetches only the commit under test."""
    git(dest.parent, "init", "-q", str(dest))
    git(dest, "remote", "add", "origin", w.url)
    local = "refs/remotes/pull/1/merge" if pr else f"refs/remotes/origin/{ref}"
    if depth == 0:
        specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
        if pr:
            specs.append(f"+{sha}:{local}")
        git(dest, "fetch", "-q", "--prune", "--no-recurse-submodules", "origin", *specs)
    else:
        git(dest, "fetch", "-q", "--no-tags", f"--depth={depth}", "origin", f"+{sha}:{local}")
    if pr:
        git(dest, "checkout", "-q", "--detach", local)
    else:
        git(dest, "checkout", "-q", "--force", "-B", ref, local)
    return dest


def gitlab_runner(w: World, dest: Path, depth: int, refspecs: list[str], sha: str) -> Path:
    """What the GitLab runner does: its pipeline refspecs at GIT_DEPTH, then a detached checkout."""
    git(dest.parent, "init", "-q", str(dest))
    git(dest, "remote", "add", "origin", w.url)
    deep = [f"--depth={depth}"] if depth else []
    git(dest, "fetch", "-q", "--prune", *deep, "origin", *refspecs)
    git(dest, "checkout", "-q", "-f", sha)
    return dest


def ci(clone: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(CI_PREFIXES) and k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "credgate", "ci", *args],
        cwd=clone, env={**base, **env}, capture_output=True, text=True, check=False,
    )  # fmt: skip


def github_env(tmp_path: Path, event: dict[str, object], name: str, ref: str, sha: str) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({**event, "repository": {"default_branch": "main"}}))
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REF": ref,
        "GITHUB_SHA": sha,
    }


def gitlab_env(**extra: str) -> dict[str, str]:
    return {"CI": "true", "GITLAB_CI": "true", "CI_DEFAULT_BRANCH": "main", **extra}


def assert_found_only_the_new_leak(proc: subprocess.CompletedProcess[str], commits: int) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "new.env:2" in proc.stdout and "old.env" not in proc.stdout
    summary = [line for line in proc.stderr.splitlines() if line.startswith("credgate: scanned")]
    assert len(summary) == 1, proc.stderr  # the one summary line, without -v
    assert f"scanned {commits} commits" in summary[0]


def assert_fails_closed(proc: subprocess.CompletedProcess[str], fix: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "credgate: fix:" in proc.stderr and fix in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------------------ GitHub


@pytest.mark.parametrize("depth", [0, 1])
def test_github_push(world: World, tmp_path: Path, depth: int) -> None:
    clone = actions_checkout(world, tmp_path / "gh", depth, "feature", world.feature)
    event = {"ref": "refs/heads/feature", "before": world.first, "after": world.feature, "created": False}
    proc = ci(clone, github_env(tmp_path, event, "push", "refs/heads/feature", world.feature))
    if depth == 0:
        assert_found_only_the_new_leak(proc, 2)
    else:
        assert_fails_closed(proc, "fetch-depth: 0")


@pytest.mark.parametrize("depth", [0, 1])
def test_github_new_branch(world: World, tmp_path: Path, depth: int) -> None:
    """The incident's case: the pushed branch is itself refs/remotes/origin/feature in the clone."""
    clone = actions_checkout(world, tmp_path / "gh", depth, "feature", world.feature)
    event = {"ref": "refs/heads/feature", "before": ZERO, "after": world.feature, "created": True}
    proc = ci(clone, github_env(tmp_path, event, "push", "refs/heads/feature", world.feature))
    if depth == 0:
        assert git(clone, "rev-parse", "refs/remotes/origin/feature") == world.feature
        assert_found_only_the_new_leak(proc, 3)
    else:
        # Only the tip was fetched: there is no default branch to tell the new commits by.
        assert_fails_closed(proc, "fetch-depth: 0")


@pytest.mark.parametrize("depth", [0, 1])
def test_github_pull_request(world: World, tmp_path: Path, depth: int) -> None:
    clone = actions_checkout(world, tmp_path / "gh", depth, "", world.merge, pr=True)
    pr = {
        "number": 1,
        "base": {"ref": "main", "sha": world.main},
        "head": {"ref": "feature", "sha": world.feature},
    }
    proc = ci(
        clone, github_env(tmp_path, {"pull_request": pr}, "pull_request", "refs/pull/1/merge", world.merge)
    )
    if depth == 0:
        assert_found_only_the_new_leak(proc, 3)
    else:
        assert_fails_closed(proc, "fetch-depth: 0")


# ------------------------------------------------------------------------------------------ GitLab

# GIT_DEPTH: 0 is full history; 1 is the shallowest clone; 20, GitLab's default, is shallow but deep enough
# for these ranges, so it scans them.


@pytest.mark.parametrize("depth", [0, 1, 20])
def test_gitlab_merge_request(world: World, tmp_path: Path, depth: int) -> None:
    clone = gitlab_runner(
        world, tmp_path / "gl", depth, ["+refs/merge-requests/1/head:refs/pipelines/7"], world.feature
    )
    env = gitlab_env(
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_COMMIT_SHA=world.feature,
        CI_COMMIT_BEFORE_SHA=ZERO,
        CI_MERGE_REQUEST_DIFF_BASE_SHA=world.main,
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature",
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
    )
    proc = ci(clone, env)
    if depth != 1:
        assert_found_only_the_new_leak(proc, 3)
    else:
        assert_fails_closed(proc, "GIT_DEPTH: 0")


@pytest.mark.parametrize("depth", [0, 1, 20])
def test_gitlab_push(world: World, tmp_path: Path, depth: int) -> None:
    specs = ["+refs/heads/feature:refs/remotes/origin/feature", f"+{world.feature}:refs/pipelines/8"]
    clone = gitlab_runner(world, tmp_path / "gl", depth, specs, world.feature)
    env = gitlab_env(
        CI_PIPELINE_SOURCE="push",
        CI_COMMIT_SHA=world.feature,
        CI_COMMIT_BEFORE_SHA=world.first,
        CI_COMMIT_BRANCH="feature",
    )
    proc = ci(clone, env)
    if depth != 1:
        assert_found_only_the_new_leak(proc, 2)
    else:
        assert_fails_closed(proc, "GIT_DEPTH: 0")


@pytest.mark.parametrize("depth", [0, 1])
def test_gitlab_new_branch(world: World, tmp_path: Path, depth: int) -> None:
    """The runner fetches only the pipeline's branch: the default branch must be fetched too,
    and until it is, the job fails with that fix instead of passing."""
    specs = ["+refs/heads/feature:refs/remotes/origin/feature", f"+{world.feature}:refs/pipelines/9"]
    clone = gitlab_runner(world, tmp_path / "gl", depth, specs, world.feature)
    env = gitlab_env(
        CI_PIPELINE_SOURCE="push",
        CI_COMMIT_SHA=world.feature,
        CI_COMMIT_BEFORE_SHA=ZERO,
        CI_COMMIT_BRANCH="feature",
    )
    proc = ci(clone, env)
    assert_fails_closed(proc, "git fetch origin main:refs/remotes/origin/main")
    deep = [] if depth == 0 else [f"--depth={depth}"]
    git(clone, "fetch", "-q", *deep, "origin", "main:refs/remotes/origin/main")
    proc = ci(clone, env)
    if depth == 0:
        assert_found_only_the_new_leak(proc, 3)
    else:
        assert_fails_closed(proc, "GIT_DEPTH: 0")


# ------------------------------------------------------------------------------------------ generic


@pytest.mark.parametrize("depth", [0, 1])
def test_generic_ci_without_a_base(world: World, tmp_path: Path, depth: int) -> None:
    """`CI=true credgate ci` in a plain clone of the branch: the default branch comes from origin/HEAD."""
    clone = tmp_path / "generic"
    deep = [] if depth == 0 else [f"--depth={depth}", "--no-single-branch"]
    git(tmp_path, "clone", "-q", *deep, "--branch", "feature", world.url, str(clone))
    proc = ci(clone, {"CI": "true"})
    if depth == 0:
        assert git(clone, "symbolic-ref", "refs/remotes/origin/HEAD") == "refs/remotes/origin/main"
        assert_found_only_the_new_leak(proc, 3)
    else:
        assert_fails_closed(proc, "git fetch --unshallow")


@pytest.mark.parametrize("depth", [0, 1])
def test_generic_ci_with_a_base(world: World, tmp_path: Path, depth: int) -> None:
    clone = tmp_path / "generic"
    deep = [] if depth == 0 else [f"--depth={depth}"]
    git(tmp_path, "clone", "-q", *deep, "--branch", "feature", world.url, str(clone))
    proc = ci(clone, {"CI": "true", "CREDGATE_BASE": world.first})
    if depth == 0:
        assert_found_only_the_new_leak(proc, 2)
    else:
        assert_fails_closed(proc, "git fetch --unshallow")


# ------------------------------------------------------------------------ edges of the default-branch rule


def test_new_branch_at_the_default_branch_tip_scans_nothing_and_says_so(world: World, tmp_path: Path) -> None:
    world.dev.git("push", "-q", "origin", "main:refs/heads/release")
    clone = actions_checkout(world, tmp_path / "gh", 0, "release", world.main)
    event = {"ref": "refs/heads/release", "before": ZERO, "after": world.main, "created": True}
    proc = ci(clone, github_env(tmp_path, event, "push", "refs/heads/release", world.main))
    assert proc.returncode == 0, proc.stderr
    assert "credgate: scanned 0 commits" in proc.stderr and "not on the default branch main" in proc.stderr


def test_push_that_creates_the_default_branch_scans_the_whole_history(world: World, tmp_path: Path) -> None:
    clone = actions_checkout(world, tmp_path / "gh", 0, "main", world.main)
    event = {"ref": "refs/heads/main", "before": ZERO, "after": world.main, "created": True}
    proc = ci(clone, github_env(tmp_path, event, "push", "refs/heads/main", world.main))
    assert proc.returncode == 1 and "old.env:2" in proc.stdout
    assert "scanned 2 commits" in proc.stderr


def test_scheduled_pipeline_on_the_default_branch_has_no_change_to_judge(
    world: World, tmp_path: Path
) -> None:
    specs = ["+refs/heads/main:refs/remotes/origin/main"]
    clone = gitlab_runner(world, tmp_path / "gl", 0, specs, world.main)
    env = gitlab_env(
        CI_PIPELINE_SOURCE="schedule",
        CI_COMMIT_SHA=world.main,
        CI_COMMIT_BEFORE_SHA=ZERO,
        CI_COMMIT_BRANCH="main",
    )
    proc = ci(clone, env)
    assert proc.returncode == 0, proc.stderr
    assert "scanned 0 commits" in proc.stderr and "brings no change" in proc.stderr


def test_generic_ci_on_the_default_branch_without_a_base_fails_closed(world: World, tmp_path: Path) -> None:
    clone = tmp_path / "generic"
    git(tmp_path, "clone", "-q", world.url, str(clone))
    proc = ci(clone, {"CI": "true"})
    assert_fails_closed(proc, "pass --base REF")


def test_no_resolvable_default_branch_fails_closed(world: World, tmp_path: Path) -> None:
    world.dev.git("push", "-q", "origin", "main:refs/heads/trunk")
    git(world.bare, "symbolic-ref", "HEAD", "refs/heads/trunk")
    world.dev.git("push", "-q", "origin", "--delete", "main")
    clone = actions_checkout(world, tmp_path / "gh", 0, "feature", world.feature)
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"ref": "refs/heads/feature", "before": ZERO, "after": world.feature}))
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_EVENT_NAME": "push",
    }
    proc = ci(clone, env)
    assert_fails_closed(proc, "--default-branch NAME")
    proc = ci(clone, env, "--default-branch", "trunk")
    assert_found_only_the_new_leak(proc, 3)


def test_force_push_over_commits_that_are_gone_scans_what_is_not_on_main(
    world: World, tmp_path: Path
) -> None:
    clone = actions_checkout(world, tmp_path / "gh", 0, "feature", world.feature)
    gone = "1234567890abcdef1234567890abcdef12345678"
    event = {"ref": "refs/heads/feature", "before": gone, "after": world.feature, "forced": True}
    proc = ci(clone, github_env(tmp_path, event, "push", "refs/heads/feature", world.feature))
    assert_found_only_the_new_leak(proc, 3)
    assert "a force-push?" in proc.stderr


def test_generic_ci_on_a_new_branch_at_the_default_branch_tip_passes_and_says_so(
    world: World, tmp_path: Path
) -> None:
    world.dev.git("push", "-q", "origin", "main:refs/heads/release")
    clone = tmp_path / "generic"
    git(tmp_path, "clone", "-q", "--branch", "release", world.url, str(clone))
    proc = ci(clone, {"CI": "true"})
    assert proc.returncode == 0, proc.stderr
    assert "credgate: scanned 0 commits" in proc.stderr


def test_a_push_that_deletes_a_branch_adds_nothing(world: World, tmp_path: Path) -> None:
    clone = actions_checkout(world, tmp_path / "gh", 0, "main", world.main)
    event = {"ref": "refs/heads/feature", "before": world.feature, "after": ZERO, "deleted": True}
    proc = ci(clone, github_env(tmp_path, event, "push", "refs/heads/feature", ZERO))
    assert proc.returncode == 0 and "scanned 0 commits" in proc.stderr and "deletes" in proc.stderr
