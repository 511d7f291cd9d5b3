"""GitPython as an independent reader of the same repository: gitio's plumbing parsers must agree with it.

GitPython is not what credgate runs (it mis-decodes commits in legacy encodings and cannot read SHA-256
repositories; tests/gitio/test_metadata.py covers both in gitio), but where it is correct (SHA-1, UTF-8)
it is a second implementation of refs, tags, trees and commit headers, so a parsing slip in gitio (a field
off by one, a tag not peeled, a path with a space, a tree entry missed) shows up as a disagreement here.
"""

from __future__ import annotations

import git  # GitPython

from credgate import gitio
from tests.conftest import Repo


def _build(repo: Repo) -> None:
    repo.git("config", "user.name", "Zoë Tester")
    repo.git("config", "user.email", "zoe@example.invalid")
    repo.stage("app.py", "x = 1\n")
    repo.stage("docs/with space.md", "# guide\n")
    repo.stage("nested/deeper/file.txt", "deep\n")
    repo.commit("first: the app")
    repo.git("tag", "-a", "v1", "-m", "release one")
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("app.py", "x = 2\n")
    repo.commit("feature: x is two")
    repo.git("tag", "light")
    repo.git("checkout", "-q", "-")
    repo.stage("README.md", "hello\n")
    repo.commit("second: a readme\n\nwith a body")


def test_refs_and_peeled_tags_agree(repo: Repo) -> None:
    _build(repo)
    ours = dict(gitio.refs_matching(["refs/heads", "refs/tags"], cwd=str(repo.path)))
    theirs = {ref.path: ref.commit.hexsha for ref in git.Repo(repo.path).refs}
    assert ours == theirs
    assert set(gitio.refs(["refs/tags"], cwd=str(repo.path))) == {"refs/tags/v1", "refs/tags/light"}


def test_commit_metadata_and_history_agree(repo: Repo) -> None:
    _build(repo)
    g = git.Repo(repo.path)
    shas = gitio.rev_list(["--all"], cwd=str(repo.path))
    assert set(shas) == {c.hexsha for c in g.iter_commits("--all")}
    info = gitio.commit_info(shas, cwd=str(repo.path))
    for commit in g.iter_commits("--all"):
        mine = info[commit.hexsha]
        assert mine.author_name == commit.author.name == "Zoë Tester"
        assert mine.author_email == commit.author.email
        assert mine.authored == commit.authored_datetime
        assert mine.subject == commit.summary


def test_tree_listing_agrees(repo: Repo) -> None:
    _build(repo)
    g = git.Repo(repo.path)
    for rev in ("HEAD", "feature", "v1"):
        tree = g.commit(rev).tree
        blobs = [b for b in tree.traverse() if b.type == "blob"]
        theirs = {(oct(b.mode)[2:].rjust(6, "0"), b.hexsha, b.path) for b in blobs}
        ours = {
            (mode, sha, path.decode() if isinstance(path, bytes) else path)
            for mode, sha, path in gitio.tree_blobs(tree.hexsha, cwd=str(repo.path))
        }
        assert ours == theirs, rev
