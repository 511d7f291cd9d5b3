"""Issue 15 item 5: `credgate init` sets a repository up, idempotently, without overwriting a user's file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from credgate.cli import main
from credgate.commands import init
from credgate.commands._options import Options
from credgate.gate import audit_setup, setup
from credgate.gate import setup_recipes as recipes
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, env_file_with_aws, secret

SHA = "0123456789abcdef0123456789abcdef01234567"
URL = "https://git.example.com/security/credgate"


def run_init(**kw: object) -> tuple[int, str]:
    out = io.StringIO()
    rc = init.run(opts=Options(out=out), **kw)  # type: ignore[arg-type]
    return rc, out.getvalue()


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    }


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = path_with_credgate(tmp_path)
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    return path


def commit(repo: Repo, message: str = "change") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo.path, capture_output=True, text=True)


def test_fresh_repository_init_then_the_framework_blocks_a_secret_and_passes_a_clean_commit(
    repo: Repo, on_path: str
) -> None:
    rc, text = run_init()
    assert rc == 0, text
    assert "wrote .pre-commit-config.yaml" in text and "pre-commit framework" in text
    hooks_dir = repo.path / ".git" / "hooks"
    assert b"pre-commit" in (hooks_dir / "pre-commit").read_bytes()  # the framework's hook script
    assert (hooks_dir / "pre-push").is_file()
    repo.git("add", ".pre-commit-config.yaml", ".gitignore")
    first = commit(repo, "set up credgate")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "credgate secrets" in first.stderr + first.stdout and "Passed" in first.stderr + first.stdout
    token = secret("%%github:ghp_%%")
    repo.stage("app.py", f"TOKEN = '{token}'\n")
    blocked = commit(repo)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "app.py:1" in output and "Failed" in output and token not in output
    repo.stage("app.py", "import os\nTOKEN = os.environ['TOKEN']\n")
    ok = commit(repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The files gate runs too: a .env.production force-added past .gitignore is blocked.
    repo.write(".env.production", env_file_with_aws())
    repo.git("add", "-f", ".env.production")
    assert commit(repo).returncode != 0


def test_a_second_run_changes_nothing_and_says_so(repo: Repo, on_path: str) -> None:
    assert run_init()[0] == 0
    before = snapshot(repo.path)
    rc, text = run_init()
    assert rc == 0, text
    assert snapshot(repo.path) == before
    assert "unchanged .pre-commit-config.yaml" in text and "unchanged .gitignore" in text


def test_the_local_hooks_match_the_published_hook_manifest() -> None:
    published = {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
    local = yaml.safe_load("hooks:\n" + recipes.LOCAL_HOOKS)["hooks"]
    assert [h["id"] for h in local] == list(recipes.WRITTEN_IDS) and set(recipes.WRITTEN_IDS) == set(
        published
    )
    for hook in local:
        want = published[hook["id"]]
        entry = want["entry"] + "".join(f" {a}" for a in want.get("args", []))
        assert hook["entry"] == entry, hook["id"]
        for key in ("stages", "types_or", "pass_filenames", "always_run"):
            assert hook.get(key) == want.get(key), (hook["id"], key)


def test_an_existing_config_is_merged_and_still_parses_to_the_old_one_plus_the_hooks(
    repo: Repo, on_path: str
) -> None:
    original = (
        "default_stages: [pre-commit]\n"
        "repos:\n"
        "-   repo: https://github.com/pre-commit/pre-commit-hooks\n"
        "    rev: v4.6.0\n"
        "    hooks:\n"
        "    -   id: trailing-whitespace\n"
    )
    repo.write(".pre-commit-config.yaml", original)
    rc, text = run_init(hooks="none")
    assert rc == 0, text
    assert "merged the four credgate hooks" in text
    new = (repo.path / ".pre-commit-config.yaml").read_text()
    assert new.startswith(original)
    doc = yaml.safe_load(new)
    assert doc["default_stages"] == ["pre-commit"] and len(doc["repos"]) == 2
    assert [h["id"] for h in doc["repos"][1]["hooks"]] == list(recipes.WRITTEN_IDS)


@pytest.mark.parametrize(
    "original",
    [
        "repos: [{repo: https://github.com/psf/black, rev: 24.1.0, hooks: [{id: black}]}]\n",
        "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n"
        "    hooks: [{id: black}]\nci:\n  skip: []\n",
        "repos:\n  - repo: local\n    hooks:\n      - id: credgate-secrets\n"
        "        entry: credgate secrets --\n        language: system\n        name: x\n",
        "repos: [\n",
    ],
)
def test_a_config_that_cannot_be_merged_safely_is_left_alone_with_what_to_add(
    repo: Repo, on_path: str, original: str
) -> None:
    repo.write(".pre-commit-config.yaml", original)
    rc, text = run_init(hooks="none")
    assert rc == 1
    assert (repo.path / ".pre-commit-config.yaml").read_text() == original
    assert "left alone .pre-commit-config.yaml" in text


def test_pinned_to_a_commit_and_a_rev_that_is_not_a_commit_is_refused(repo: Repo, on_path: str) -> None:
    rc, text = run_init(repo_url=URL, rev=SHA, hooks="none")
    assert rc == 0, text
    doc = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    assert doc["repos"] == [{"repo": URL, "rev": SHA, "hooks": [{"id": h} for h in recipes.WRITTEN_IDS]}]
    os.unlink(repo.path / ".pre-commit-config.yaml")
    for args in (["--repo", URL, "--rev", "v0.1.0"], ["--repo", URL]):
        with pytest.raises(SystemExit) as exc:
            main(["init", *args])
        assert exc.value.code == 2
    assert not (repo.path / ".pre-commit-config.yaml").exists()


def test_the_installed_source_is_read_from_pips_record() -> None:
    git = {"url": URL, "vcs_info": {"vcs": "git", "commit_id": SHA, "requested_revision": "main"}}
    assert setup.source_from_direct_url(json.dumps(git)) == recipes.Source(URL, SHA)
    for doc in (
        {"url": "file:///home/me/credgate", "dir_info": {"editable": True}},
        {"url": URL, "vcs_info": {"vcs": "git", "commit_id": "main"}},
        {"url": "file:///home/me/credgate", "vcs_info": {"vcs": "git", "commit_id": SHA}},
        {"url": "https://h/credgate.tar.gz", "archive_info": {}},
    ):
        assert setup.source_from_direct_url(json.dumps(doc)) == recipes.Source(), doc
    assert setup.source_from_direct_url("not json") == recipes.Source()


@pytest.mark.parametrize(
    ("marker", "written"), [(".github/", recipes.GITHUB_WORKFLOW), (".gitlab-ci.yml", ".gitlab-ci.yml")]
)
def test_the_ci_recipe_for_the_detected_ci_passes_the_audit(
    repo: Repo, on_path: str, marker: str, written: str
) -> None:
    if marker.endswith("/"):
        (repo.path / marker).mkdir()
    else:
        repo.write(marker, "stages: [test]\nunit:\n  stage: test\n  script:\n    - make test\n")
    rc, text = run_init(repo_url=URL, rev=SHA, hooks="none")
    assert rc == 0, text
    body = (repo.path / written).read_text()
    assert f"git+{URL}@{SHA}" in body and "credgate ci" in body
    if marker == ".gitlab-ci.yml":
        doc = yaml.safe_load(body)
        assert doc["unit"]["script"] == ["make test"] and "credgate" in doc  # merged, not replaced
    repo.git("add", "-A")
    repo.commit("ci")
    check = audit_setup.check_ci(str(repo.path))
    assert check.verdict == "SAFE", check.facts
    before = snapshot(repo.path)
    assert run_init(repo_url=URL, rev=SHA, hooks="none")[0] == 0
    assert snapshot(repo.path) == before


def test_without_a_source_the_ci_recipe_is_not_guessed(repo: Repo, on_path: str) -> None:
    (repo.path / ".github").mkdir()
    rc, text = run_init(hooks="none")
    assert rc == 1 and "--repo URL --rev SHA" in text
    assert not (repo.path / recipes.GITHUB_WORKFLOW).exists()


def test_an_existing_workflow_is_left_alone(repo: Repo, on_path: str) -> None:
    repo.write(recipes.GITHUB_WORKFLOW, "on: push\njobs: {}\n")
    rc, text = run_init(repo_url=URL, rev=SHA, hooks="none")
    assert rc == 1 and f"left alone {recipes.GITHUB_WORKFLOW}" in text
    assert (repo.path / recipes.GITHUB_WORKFLOW).read_text() == "on: push\njobs: {}\n"


def test_plain_hooks_when_the_framework_is_not_there(
    repo: Repo, on_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(setup, "_precommit_command", lambda: None)
    rc, text = run_init()
    assert rc == 0, text
    assert "plain git hooks" in text
    hook = (repo.path / ".git" / "hooks" / "pre-commit").read_bytes()
    assert b"credgate-managed-hook" in hook
    repo.stage("app.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    assert commit(repo).returncode != 0


def test_a_foreign_hook_is_not_overwritten(repo: Repo, on_path: str) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    rc, text = run_init(hooks="plain")
    assert rc == 1 and "hooks not installed" in text
    assert hook.read_text() == "#!/bin/sh\necho mine\n"


def test_the_cli_runs_it(repo: Repo, on_path: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "init", "--hooks", "none"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote .pre-commit-config.yaml" in proc.stdout


def test_an_existing_baseline_gets_its_union_merge_attribute(repo: Repo, on_path: str) -> None:
    repo.write(".credgate-baseline.jsonl", "# credgate baseline\n")
    rc, text = run_init(hooks="none")
    assert "/.credgate-baseline.jsonl merge=union" in (repo.path / ".gitattributes").read_text()
    before = (repo.path / ".gitattributes").read_text()
    run_init(hooks="none")
    assert (repo.path / ".gitattributes").read_text() == before


def test_the_gitlab_job_runs_in_a_stage_the_file_defines(repo: Repo, on_path: str) -> None:
    repo.write(".gitlab-ci.yml", "stages: [build, deploy]\nb:\n  stage: build\n  script: [make]\n")
    rc, text = run_init(repo_url=URL, rev=SHA, hooks="none")
    assert rc == 0, text
    doc = yaml.safe_load((repo.path / ".gitlab-ci.yml").read_text())
    assert doc["credgate"]["stage"] == "build" and doc["b"]["script"] == ["make"]
