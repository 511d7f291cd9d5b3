"""gitio reading commits from real git: type changes, octopus merges, settings that change `git log`."""

from __future__ import annotations

import os

from credgate import gitio
from tests.conftest import Repo


def commits(repo: Repo, *revs: str) -> list[tuple[str, list[str], list[tuple[str, bytes, list[int]]]]]:
    return [
        (c.sha, c.parents, [(ch.status, ch.path, sorted(ch.added)) for ch in c.changes])
        for c in gitio.iter_commits(list(revs or ("HEAD",)), cwd=str(repo.path))
    ]


def test_type_changes_in_both_directions_are_one_change_with_the_new_side_added(repo: Repo) -> None:
    os.symlink("target", repo.path / "a")
    repo.stage("b", "one\ntwo\n")
    repo.git("add", "a")
    repo.commit("symlink a, file b")
    (repo.path / "a").unlink()
    (repo.path / "b").unlink()
    repo.write("a", "first\nsecond\nthird\n")  # symlink -> file
    os.symlink("elsewhere", repo.path / "b")  # file -> symlink
    repo.stage("c", "unrelated\n")
    repo.git("add", "a", "b")
    repo.commit("swap")
    newest = commits(repo)[0]
    assert newest[2] == [("T", b"a", [1, 2, 3]), ("T", b"b", [1]), ("A", b"c", [1])]
    # the commit hook's staged diff takes the same path
    (repo.path / "a").unlink()
    os.symlink("back", repo.path / "a")
    repo.git("add", "a")
    staged = gitio.staged_changes("HEAD", cwd=str(repo.path))
    assert [(c.status, c.path, sorted(c.added)) for c in staged] == [("T", b"a", [1])]


def test_a_submodule_replaced_by_a_file_splits_too(repo: Repo) -> None:
    repo.stage("README", "x\n")
    repo.commit()
    sha = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor")
    repo.commit("a gitlink")
    repo.git("rm", "-q", "--cached", "vendor")
    repo.stage("vendor", "now a file\n")
    repo.commit("a file")
    assert commits(repo)[0][2] == [("T", b"vendor", [1])]


def test_octopus_merge_changes_are_what_no_parent_has(repo: Repo) -> None:
    repo.stage("shared.txt", "base\n")
    repo.commit("base")
    for name in ("x", "y", "z"):
        repo.git("checkout", "-q", "-b", name, "main")
        repo.stage(f"{name}.txt", f"{name}\n")
        if name == "y":
            repo.stage("shared.txt", "base\ny line\n")
        repo.commit(name)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "x", "y", "z")
    repo.stage("shared.txt", "base\ny line\nmerge line\n")
    repo.stage("only-merge.txt", "new\nfile\n")
    repo.git("commit", "-q", "--no-verify", "-m", "octopus")
    sha, parents, changes = commits(repo, "HEAD", "^HEAD^1")[0]
    assert len(parents) == 4
    assert changes == [("A", b"only-merge.txt", [1, 2]), ("M", b"shared.txt", [3])]
    # a plain octopus (git merge x y z, no edits) adds nothing of its own
    repo.git("reset", "-q", "--hard", "HEAD^1")
    repo.git("merge", "-q", "--no-ff", "-m", "plain", "x", "y", "z")
    assert commits(repo, "HEAD", "^HEAD^1")[0][2] == []


def test_log_settings_in_the_repository_config_change_nothing(repo: Repo) -> None:
    repo.stage("root.txt", "root\n")
    repo.commit("root")
    repo.git("checkout", "-q", "--orphan", "other")
    repo.stage("orphan.txt", "orphan\n")
    repo.commit("an orphan root")
    repo.git("checkout", "-q", "main")
    repo.stage("dir/file name.txt", "x\ncafé\n")
    repo.commit("héllo")
    repo.git("notes", "add", "-m", "a note")
    before = commits(repo, "--all")
    history = gitio.path_history(lambda p: True, cwd=str(repo.path))
    for key, value in {
        "log.showRoot": "false",
        "log.decorate": "full",
        "log.abbrevCommit": "true",
        "log.mailmap": "true",
        "log.follow": "true",
        "format.pretty": "oneline",
        "i18n.logOutputEncoding": "UTF-16",
        "diff.noprefix": "true",
        "diff.submodule": "diff",
        "core.abbrev": "4",
        "core.quotePath": "true",
        "color.ui": "always",
        "notes.displayRef": "refs/notes/commits",
    }.items():
        repo.git("config", key, value)
    after = commits(repo, "--all")
    assert after == before
    assert {c[0] for c in after} >= {repo.git("rev-list", "--max-parents=0", "other").strip()}
    assert gitio.path_history(lambda p: True, cwd=str(repo.path)) == history
