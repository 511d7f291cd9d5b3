"""gitio/merges.py on real merges: what a merge adds is the lines no parent has at that path."""

from __future__ import annotations

import os

import pytest

from credgate import gitio
from credgate.errors import InternalError
from credgate.gitio import log as log_mod
from credgate.gitio.merges import merge_changes
from tests.conftest import Repo


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def own(repo: Repo, sha: str, keep_text: bool = True, limit: int = 1 << 20) -> dict[bytes, gitio.Change]:
    reader = gitio.BlobReader(limit, cwd=str(repo.path))
    try:
        (merge,) = list(merge_changes([sha], reader, cwd=str(repo.path), keep_text=keep_text))
    finally:
        reader.close()
    assert merge.sha == sha and len(merge.parents) >= 2
    return {c.path: c for c in merge.changes}


def branches(repo: Repo, base_text: str, ours: str, theirs: str) -> None:
    repo.stage("conf.py", base_text)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.stage("conf.py", theirs)
    repo.stage("side.py", "from the side branch\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.stage("conf.py", ours)
    repo.commit("main")


def test_a_clean_merge_adds_nothing_of_its_own(repo: Repo) -> None:
    branches(repo, "a = 1\n\nb = 2\n", "a = 'main'\n\nb = 2\n", "a = 1\n\nb = 'side'\n")
    repo.git("merge", "-q", "--no-edit", "side")
    assert own(repo, head(repo)) == {}


def test_a_conflict_resolution_adds_only_the_lines_no_side_had(repo: Repo) -> None:
    branches(repo, "a = 1\nb = 2\n", "a = 1\nb = 'main'\n", "a = 1\nb = 'side'\n")
    repo.git("merge", "-q", "side", check=False)
    repo.stage("conf.py", "a = 1\nb = 'main'\nc = 'written by the merge'\nb2 = 'side'\n")
    repo.commit("merge side")
    changes = own(repo, head(repo))
    assert list(changes) == [b"conf.py"]
    change = changes[b"conf.py"]
    assert change.status == "M"
    assert change.added == {3, 4}
    # `b2 = 'side'` is new too: no parent has that exact line (credit is by whole line)
    assert change.added_blocks == [(3, 2, b"c = 'written by the merge'\nb2 = 'side'")]


def test_an_evil_merge_edit_of_a_file_neither_side_touched_is_added(repo: Repo) -> None:
    repo.stage("untouched.txt", "one\ntwo\n")
    branches(repo, "a = 1\n\nb = 2\n", "a = 'main'\n\nb = 2\n", "a = 1\n\nb = 'side'\n")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.stage("untouched.txt", "one\nslipped in\ntwo\n")
    repo.stage("brand-new.txt", "only the merge has me\n")
    repo.commit("merge")
    changes = own(repo, head(repo))
    assert {p: (c.status, sorted(c.added)) for p, c in changes.items()} == {
        b"brand-new.txt": ("A", [1]),
        b"untouched.txt": ("M", [2]),
    }


def test_a_merge_that_keeps_one_side_whole_adds_nothing(repo: Repo) -> None:
    branches(repo, "a = 1\n", "a = 'main'\n", "a = 'side'\n")
    repo.git("merge", "-q", "-s", "ours", "--no-edit", "side")
    assert own(repo, head(repo)) == {}


def test_no_line_is_credited_across_paths(repo: Repo) -> None:
    """A line a parent has under another name is judged again: a fixture's line moved into config."""
    repo.stage("tests/fixture.py", "value = 'from a fixture'\n")
    branches(repo, "a = 1\n", "a = 'main'\n", "a = 'side'\n")
    repo.git("merge", "-q", "side", check=False)
    repo.stage("conf.py", "a = 'main'\nvalue = 'from a fixture'\n")
    repo.commit("merge")
    assert sorted(own(repo, head(repo))[b"conf.py"].added) == [2]


def test_a_mode_change_alone_adds_nothing(repo: Repo) -> None:
    branches(repo, "a = 1\n", "a = 'main'\n", "a = 1\n")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.git("update-index", "--chmod=+x", "conf.py")
    repo.commit("merge")
    assert own(repo, head(repo)) == {}


def test_a_file_over_the_limit_is_judged_on_every_line(repo: Repo) -> None:
    branches(repo, "a = 1\n", "a = 'main'\n", "a = 'side'\n")
    repo.git("merge", "-q", "side", check=False)
    repo.stage("conf.py", "x = 1\n" * 100)
    repo.commit("merge")
    change = own(repo, head(repo), limit=64)[b"conf.py"]
    assert change.all_added and change.lines_only and not change.added_blocks


def test_an_octopus_is_judged_the_same_way(repo: Repo) -> None:
    repo.stage("shared.txt", "base\n")
    repo.commit("base")
    base = head(repo)
    for name in ("x", "y", "z"):
        repo.git("checkout", "-q", "-b", name, base)
        repo.stage(f"{name}.txt", f"{name}\n")
        repo.commit(name)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "x", "y", "z")
    repo.stage("x.txt", "x\nthe octopus adds this\n")
    repo.commit("octopus")
    merge = head(repo)
    assert len(repo.git("rev-parse", f"{merge}^@").split()) == 4  # main, x, y and z
    assert {p: sorted(c.added) for p, c in own(repo, merge).items()} == {b"x.txt": [2]}


def test_a_commit_that_is_not_a_merge_fails_closed(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit("one")
    reader = gitio.BlobReader(1 << 20, cwd=str(repo.path))
    try:
        with pytest.raises(InternalError):
            list(merge_changes([head(repo)], reader, cwd=str(repo.path)))
    finally:
        reader.close()


def test_commits_keep_the_walk_order_while_merges_are_read_in_batches(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merges wait for a batch; the commits after them wait too, so callers see git's walk order."""
    monkeypatch.setattr(log_mod._Held, "MERGES", 2)
    repo.stage("base.txt", "base\n")
    repo.commit("base")
    for i in range(5):
        repo.git("checkout", "-q", "-b", f"b{i}")
        repo.stage(f"b{i}.txt", f"branch {i}\n")
        repo.commit(f"branch {i}")
        repo.git("checkout", "-q", "main")
        repo.stage(f"m{i}.txt", f"main {i}\n")
        repo.commit(f"main {i}")
        repo.git("merge", "-q", "--no-edit", "--no-commit", f"b{i}")
        repo.stage(f"merged{i}.txt", f"only merge {i}\n")
        repo.commit(f"merge {i}")
    walked = repo.git("rev-list", "--all").split()
    got = list(gitio.iter_commits(["--all"], cwd=str(repo.path), keep_text=True))
    assert [c.sha for c in got] == walked
    merges = [c for c in got if len(c.parents) > 1]
    assert len(merges) == 5
    for c in merges:
        (change,) = c.changes
        assert change.path.startswith(b"merged") and change.added == {1}
    # the same with the commits named (how history splits its shares)
    named = list(gitio.iter_commits(["--all"], cwd=str(repo.path), commits=walked[::-1], keep_text=True))
    assert [c.sha for c in named] == walked[::-1]
    assert {c.sha: [ch.path for ch in c.changes] for c in named} == {
        c.sha: [ch.path for ch in c.changes] for c in got
    }


def test_a_symlink_the_merge_creates_is_judged_on_its_target(repo: Repo) -> None:
    branches(repo, "a = 1\n", "a = 'main'\n", "a = 'side'\n")
    repo.git("merge", "-q", "--no-commit", "-X", "ours", "side")
    os.symlink("somewhere/else", repo.path / "link")
    repo.git("add", "link")
    repo.commit("merge")
    change = own(repo, head(repo))[b"link"]
    assert change.new_mode == "120000" and change.added_blocks == [(1, 1, b"somewhere/else")]


def test_a_file_one_side_renamed_and_the_other_edited_adds_nothing_when_merged(repo: Repo) -> None:
    """The edit comes from the branch that made it (judged there, under its old name): the merge joins."""
    repo.stage("old.txt", "a\nb\nc\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.stage("old.txt", "a\nb\nc\nedited on the side\n")
    repo.commit("side edits")
    repo.git("checkout", "-q", "main")
    repo.git("mv", "old.txt", "new.txt")
    repo.commit("main renames")
    repo.git("merge", "-q", "--no-edit", "side")
    assert (repo.path / "new.txt").read_text().endswith("edited on the side\n")
    assert own(repo, head(repo)) == {}
    # a line the merge writes into the renamed file is still its own
    repo.git("checkout", "-q", "-b", "side2", "side")
    repo.stage("old.txt", "a\nb\nc\nedited on the side\nagain\n")
    repo.commit("side edits again")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-commit", "side2")
    repo.stage("new.txt", "a\nb\nc\nedited on the side\nagain\nwritten by the merge\n")
    repo.commit("merge side2")
    assert {p: c.added_blocks for p, c in own(repo, head(repo)).items()} == {
        b"new.txt": [(6, 1, b"written by the merge")]
    }
