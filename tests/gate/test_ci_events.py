"""gate/ci_events.py: which range a CI event means (GitHub, GitLab, generic, the default branch).

The CLI-driving event tests (real clones at several depths) are tests/commands/test_ci_events.py;
these call `detect` and `plan` directly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credgate.errors import UsageError
from credgate.gate import ci_events
from tests.conftest import Repo

ZERO = "0" * 40
A, B = "a" * 40, "b" * 40


def github(tmp_path: Path, event: dict[str, object], name: str = "push") -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_SHA": B,
    }


def test_github_pull_request_merge_group_and_push(tmp_path: Path) -> None:
    pr = {
        "pull_request": {"base": {"sha": A}, "head": {"sha": B, "ref": "topic"}},
        "repository": {"default_branch": "trunk"},
    }
    ci = ci_events.detect(github(tmp_path, pr, "pull_request"))
    assert (ci.system, ci.kind, ci.base, ci.head, ci.branch, ci.default_branch) == (
        "github", "pull request", A, B, "topic", "trunk",
    )  # fmt: skip
    assert "fetch-depth: 0" in ci.shallow_fix
    group = {"merge_group": {"base_sha": A, "head_sha": B}}
    ci = ci_events.detect(github(tmp_path, group, "merge_group"))
    assert (ci.kind, ci.base, ci.head) == ("merge queue", A, B)
    push = {"before": ZERO, "after": B, "ref": "refs/heads/new"}
    ci = ci_events.detect(github(tmp_path, push))
    assert ci.created and ci.base is None and ci.branch == "new" and ci.push_event is True
    # Explicit --base/--head and --default-branch win over the event.
    ci = ci_events.detect(github(tmp_path, pr, "pull_request"), base="X", head="Y", default_branch="dev")
    assert (ci.base, ci.head, ci.default_branch) == ("X", "Y", "dev")


def test_github_deletion_adds_nothing(tmp_path: Path) -> None:
    ci = ci_events.detect(
        github(tmp_path, {"before": A, "after": ZERO, "deleted": True, "ref": "refs/heads/x"})
    )
    assert ci.deleted
    # With an explicit head there is something to scan after all.
    assert not ci_events.detect(github(tmp_path, {"after": ZERO, "deleted": True}), head="HEAD").deleted


def test_an_unreadable_github_event_file_is_a_usage_error(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")}
    with pytest.raises(UsageError, match="cannot read the GitHub event file"):
        ci_events.detect(env)
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(UsageError, match="is not a JSON object"):
        ci_events.detect({**env, "GITHUB_EVENT_PATH": str(tmp_path / "list.json")})


def test_gitlab_merge_request_push_and_scheduled_pipeline() -> None:
    base = {"GITLAB_CI": "true", "CI_COMMIT_SHA": B, "CI_DEFAULT_BRANCH": "main"}
    mr = ci_events.detect(
        {**base, "CI_MERGE_REQUEST_DIFF_BASE_SHA": A, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "t"}
    )
    assert (mr.kind, mr.base, mr.head, mr.branch, mr.default_branch) == ("merge request", A, B, "t", "main")
    assert "GIT_DEPTH: 0" in mr.shallow_fix
    push = ci_events.detect({**base, "CI_COMMIT_BEFORE_SHA": ZERO, "CI_PIPELINE_SOURCE": "push"})
    assert push.created and push.base is None
    # A schedule sends zeros too, and creates nothing.
    schedule = ci_events.detect({**base, "CI_COMMIT_BEFORE_SHA": ZERO, "CI_PIPELINE_SOURCE": "schedule"})
    assert not schedule.created and schedule.push_event is False


def test_generic_ci_needs_ci_or_a_base() -> None:
    with pytest.raises(UsageError, match="no CI system detected"):
        ci_events.detect({})
    ci = ci_events.detect({"CREDGATE_BASE": A, "CREDGATE_DEFAULT_BRANCH": "dev"})
    assert (ci.system, ci.base, ci.head, ci.default_branch) == ("generic", A, "HEAD", "dev")


def feature_repo(repo: Repo) -> tuple[str, str]:
    repo.stage("a.txt", "a\n")
    repo.commit("base")
    main = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-ref", "refs/remotes/origin/main", main)
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("b.txt", "b\n")
    repo.commit("feature")
    return main, repo.git("rev-parse", "HEAD").strip()


def test_plan_with_a_base_is_what_the_head_adds_judged_by_the_base(repo: Repo) -> None:
    main, head = feature_repo(repo)
    p = ci_events.plan(ci_events.CIRange("generic", "push", main, head, "fix"))
    assert p.rng.revs == [head, f"^{main}"] and p.gate_rev == main and p.compare_rev == main


def test_plan_without_a_base_is_what_the_default_branch_lacks(repo: Repo) -> None:
    main, head = feature_repo(repo)
    ci = ci_events.CIRange("github", "push", None, head, "fix", branch="feature", default_branch="main")
    p = ci_events.plan(ci)
    assert p.rng.exclude == ("^refs/remotes/origin/main", "^refs/heads/main") and p.gate_rev == main
    # A push whose `before` is gone (a force-push) falls back to the default branch as well.
    gone = ci_events.CIRange("github", "push", "c" * 40, head, "fix", branch="feature", default_branch="main")
    assert "a force-push?" in ci_events.plan(gone).rng.label
    # A generic CI with a missing base fails closed with the CI's fix.
    with pytest.raises(UsageError, match="is not in this clone") as caught:
        ci_events.plan(ci_events.CIRange("generic", "push", "c" * 40, head, "the fix"))
    assert caught.value.hint == "the fix"


def test_on_the_default_branch_without_a_base_is_unknown_unless_nothing_changed(repo: Repo) -> None:
    main, _ = feature_repo(repo)
    on_main = ci_events.CIRange("github", "push", None, main, "fix", branch="main", default_branch="main")
    with pytest.raises(UsageError, match="HEAD is on the default branch main and there is no base"):
        ci_events.plan(on_main)
    scheduled = ci_events.CIRange(
        "github", "push", None, main, "fix", branch="main", default_branch="main", push_event=False
    )
    assert ci_events.plan(scheduled).rng.commits == ()
    created = ci_events.CIRange(
        "github", "push", None, main, "fix", branch="main", default_branch="main", created=True
    )
    p = ci_events.plan(created)
    assert p.rng.exclude == () and p.gate_rev is None


def test_default_branch_resolution(repo: Repo) -> None:
    main, _ = feature_repo(repo)
    assert ci_events.default_branch(None, "fix") == ci_events.DefaultBranch(
        "main", ("refs/remotes/origin/main", "refs/heads/main"), main
    )
    with pytest.raises(
        UsageError, match="the default branch trunk \\(named by the CI\\) is not in this clone"
    ):
        ci_events.default_branch("trunk", "fix")
    repo.git("update-ref", "-d", "refs/remotes/origin/main")
    repo.git("branch", "-q", "-m", "main", "other")
    with pytest.raises(UsageError, match="default branch cannot be resolved"):
        ci_events.default_branch(None, "fix")
