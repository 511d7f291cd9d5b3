"""Repository layout and config are asked of real git: config scopes, includes and worktrees included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credgate import gitio
from tests.conftest import Repo


@pytest.fixture
def linked(repo: Repo, tmp_path: Path) -> Path:
    """A linked worktree (`git worktree add`) of repo, on branch `side`, with per-worktree config on."""
    repo.stage("README.md", "hi\n")
    repo.commit()
    wt = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "-b", "side", str(wt))
    repo.git("config", "extensions.worktreeConfig", "true")
    return wt


def test_hooks_dir_of_a_linked_worktree_follows_its_config_worktree(repo: Repo, linked: Path) -> None:
    # Only the linked worktree sets core.hooksPath, in its own config.worktree (relative: from its root).
    Repo(linked).git("config", "--worktree", "core.hooksPath", "wt-hooks")
    assert not (repo.path / ".git" / "config.worktree").exists()  # the main worktree sets nothing
    assert gitio.hooks_dir(str(linked)) == str(linked / "wt-hooks")
    # The main worktree is untouched by it: git runs its hooks from the common git directory.
    assert gitio.hooks_dir(str(repo.path)) == str(repo.path / ".git" / "hooks")
    assert gitio.config_value("core.hooksPath", str(linked)) == "wt-hooks"
    assert gitio.config_value("core.hooksPath", str(repo.path)) is None


def test_hooks_dir_of_a_linked_worktree_without_its_own_setting_is_the_common_one(
    repo: Repo, linked: Path
) -> None:
    # Hooks live in the common directory, not in .git/worktrees/<name>/hooks.
    assert gitio.hooks_dir(str(linked)) == str(repo.path / ".git" / "hooks")
    lay = gitio.layout(str(linked))
    assert lay.work_tree == str(linked)
    assert lay.git_dir == str(repo.path / ".git" / "worktrees" / "linked")
    assert gitio.toplevel(str(linked)) == str(linked)


def test_hooks_dir_follows_include_if_gitdir_and_onbranch(repo: Repo, tmp_path: Path) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit()
    by_dir, by_branch = tmp_path / "by-gitdir.gitconfig", tmp_path / "by-branch.gitconfig"
    by_dir.write_text(f"[core]\n\thooksPath = {tmp_path / 'dir-hooks'}\n")
    by_branch.write_text(f"[core]\n\thooksPath = {tmp_path / 'branch-hooks'}\n")
    # In the user's global config, as a team's dotfiles would set it: the repository config says nothing.
    glob = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with glob.open("a") as fh:
        fh.write(f'[includeIf "gitdir:{repo.path}/"]\n\tpath = {by_dir}\n')
    assert gitio.hooks_dir() == str(tmp_path / "dir-hooks")
    repo.git("config", "includeIf.onbranch:release/**.path", str(by_branch))
    assert gitio.hooks_dir() == str(tmp_path / "dir-hooks")  # not on a release branch
    repo.git("checkout", "-q", "-b", "release/1.0")
    assert gitio.hooks_dir() == str(tmp_path / "branch-hooks")  # the later include wins, as in git


def test_hooks_dir_follows_config_from_the_environment(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.hooksPath")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "/opt/ci-hooks")
    assert gitio.hooks_dir() == "/opt/ci-hooks"


def test_excludes_file_from_an_include_and_info_exclude_of_a_linked_worktree(
    repo: Repo, linked: Path, tmp_path: Path
) -> None:
    personal = tmp_path / "personal-ignore"
    personal.write_text(".env.mine\n")
    included = tmp_path / "wt.gitconfig"
    included.write_text(f"[core]\n\texcludesFile = {personal}\n")
    Repo(linked).git("config", "--worktree", "include.path", str(included))
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "exclude").write_text(".env.shared-exclude\n")
    sources = {s.kind: s for s in gitio.ignore_sources(str(linked))}
    assert sources["core.excludesFile"].path == str(personal)
    assert sources["core.excludesFile"].lines == (".env.mine",)
    # info/exclude is shared by every worktree: it lives in the common git directory.
    assert sources["info/exclude"].path == str(repo.path / ".git" / "info" / "exclude")
    # And git agrees that both apply in the linked worktree.
    verdict = gitio.check_ignore([".env.mine", ".env.shared-exclude"], cwd=str(linked))
    assert verdict[".env.mine"] == f"{personal}:1:.env.mine"
    assert verdict[".env.shared-exclude"] is not None
    # The main worktree does not see the linked worktree's include.
    assert "core.excludesFile" not in {s.kind for s in gitio.ignore_sources(str(repo.path))}
