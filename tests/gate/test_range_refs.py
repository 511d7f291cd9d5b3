"""gate/range_refs.py: which commits a range, a push or a receive means (real git, no CLI)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from credgate.errors import UsageError
from credgate.gate import range_refs
from tests.conftest import Repo

ZERO = "0" * 40


def with_remote(repo: Repo, tmp_path: Path, push: bool = True) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    if push:
        repo.git("push", "-q", "-u", "origin", "main")
    return bare


def commits(repo: Repo, n: int) -> list[str]:
    for _ in range(n):
        i = len(list(repo.path.glob("f*.txt")))
        repo.stage(f"f{i}.txt", f"{i}\n")
        repo.commit(f"c{i}")
    return repo.git("rev-list", "--reverse", "HEAD").split()


def test_push_remote_follows_git_config(repo: Repo, tmp_path: Path) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    assert range_refs.push_remote("main") is None
    with_remote(repo, tmp_path, push=False)
    assert range_refs.push_remote("main") == "origin"
    other = tmp_path / "fork.git"
    subprocess.run(["git", "init", "-q", "--bare", str(other)], check=True)
    repo.git("remote", "add", "fork", str(other))
    assert range_refs.push_remote("main") == "origin"
    repo.git("config", "remote.pushDefault", "fork")
    assert range_refs.push_remote("main") == "fork"
    repo.git("config", "branch.main.pushRemote", "origin")
    assert range_refs.push_remote("main") == "origin"


def test_unpushed_with_no_commit_yet_is_a_usage_error(repo: Repo) -> None:
    with pytest.raises(UsageError, match="no commit yet"):
        range_refs.unpushed()


def test_unpushed_without_a_remote_is_all_of_head_and_says_why(repo: Repo) -> None:
    head = commits(repo, 2)[-1]
    asked = range_refs.unpushed()
    assert asked.rng.tip == head and asked.rng.exclude == ()
    assert asked.name == "main" and asked.unknown == "no remote is configured"
    assert range_refs.count_commits([asked.rng]) == 2


def test_unpushed_excludes_what_the_push_remote_has(repo: Repo, tmp_path: Path) -> None:
    first = commits(repo, 1)[0]
    with_remote(repo, tmp_path)
    head = commits(repo, 1)[-1]
    asked = range_refs.unpushed()
    assert asked.unknown is None
    assert asked.rng.tip == head and asked.rng.exclude == (f"^{first}",)
    assert asked.rng.label == "main (commits origin does not have: not pushed yet)"
    assert range_refs.count_commits([asked.rng]) == 1 and range_refs.base_of(asked.rng) == first


def test_a_remote_never_fetched_knows_nothing(repo: Repo, tmp_path: Path) -> None:
    commits(repo, 1)
    with_remote(repo, tmp_path, push=False)
    asked = range_refs.unpushed()
    assert asked.unknown is not None and asked.unknown.startswith("origin has no remote-tracking refs")


def test_requested_reads_pre_commit_variables_and_refuses_half_a_range(repo: Repo) -> None:
    first, second = commits(repo, 2)
    rng = range_refs.requested(None, None, {"PRE_COMMIT_FROM_REF": first, "PRE_COMMIT_TO_REF": second})
    assert isinstance(rng, range_refs.Range) and rng.revs == [second, f"^{first}"]
    # An explicit option wins over the environment.
    rng = range_refs.requested(None, "HEAD~1", {"PRE_COMMIT_FROM_REF": first, "PRE_COMMIT_TO_REF": second})
    assert isinstance(rng, range_refs.Range) and rng.tip == "HEAD~1"
    with pytest.raises(UsageError, match="--from-ref without --to-ref"):
        range_refs.requested(first, None, {})
    assert isinstance(range_refs.requested(None, None, {}), range_refs.Unpushed)
    # pre-commit pushing a new branch sets only the branch: what no remote-tracking ref has.
    rng = range_refs.requested(None, None, {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"})
    assert isinstance(rng, range_refs.Range) and rng.exclude == ("--not", "--remotes")


def test_a_ref_that_is_no_commit_is_a_usage_error(repo: Repo) -> None:
    commits(repo, 1)
    with pytest.raises(UsageError, match="--to-ref no-such is not a commit"):
        range_refs.from_refs(None, "no-such")
    with pytest.raises(UsageError, match="--from-ref nope is not a commit"):
        range_refs.from_refs("nope", "HEAD")


def test_pre_push_input_skips_deletions_and_excludes_what_the_remote_reports(
    repo: Repo, tmp_path: Path
) -> None:
    first, second = commits(repo, 2)
    lines = [
        f"refs/heads/main {second} refs/heads/main {first}",
        f"(delete) {ZERO} refs/heads/old {first}",
        "",
    ]
    (rng,) = range_refs.from_pre_push(lines, "origin")
    assert rng.tip == second and f"^{first}" in rng.exclude
    assert rng.label == "refs/heads/main -> origin/refs/heads/main"
    assert range_refs.tip_name(rng) == "refs/heads/main"
    (new,) = range_refs.from_pre_push([f"refs/heads/main {second} refs/heads/x {ZERO}"], "origin")
    assert new.label.endswith("(new to the remote)") and new.exclude == ()
    with pytest.raises(UsageError, match="unexpected pre-push input line"):
        range_refs.from_pre_push(["not four words"], "origin")


def test_pre_receive_input_and_the_base_each_ref_is_judged_by(repo: Repo) -> None:
    first, second = commits(repo, 2)
    lines = [
        f"{first} {second} refs/heads/main",
        f"{ZERO} {second} refs/heads/new",
        f"{second} {ZERO} refs/heads/gone",
    ]
    update, created = range_refs.from_pre_receive(lines)
    assert update.revs == [second, f"^{first}"] and created.exclude == ("--not", "--all")
    bases = range_refs.receive_bases(lines)
    # An update is judged by the ref's old value; a new ref by the default branch (HEAD: main).
    assert range_refs.gate_for(bases, second) == (first, first)
    with pytest.raises(UsageError, match="unexpected pre-receive input line"):
        range_refs.from_pre_receive(["a b"])


def test_labels_hold_names_as_git_gives_them(repo: Repo) -> None:
    """The gate does not escape: output/ranges escapes the whole line (tests/output/test_ranges.py)."""
    commits(repo, 1)
    rng = range_refs.from_refs(None, "HEAD", remote="fork\u202e")
    assert rng.label == "HEAD (commits fork\u202e does not have)"
