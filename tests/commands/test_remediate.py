"""`credgate remediate`: the plan, the owner-only expressions file, and a verified --apply."""

from __future__ import annotations

import io
import os
import stat
import sys

import pytest

from credgate.commands import history, remediate
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, env_file_with_aws, secret


def leaky_history(repo: Repo) -> tuple[str, str]:
    token = secret("%%github:ghp_%%")
    env = env_file_with_aws()
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    repo.stage(".env.master", env)
    repo.stage("app.py", f"TOKEN = '{token}'\nprint('app')\n")
    repo.commit("leak")
    repo.stage("app.py", "import os\nTOKEN = os.environ['TOKEN']\nprint('app')\n")
    repo.git("rm", "-q", "--cached", ".env.master")
    repo.commit("stop tracking the env file")
    return token, env


def run(**kw: object) -> tuple[int, str]:
    out = io.StringIO()
    rc = remediate.run(**kw, opts=Options(out=out, err=io.StringIO()))  # type: ignore[arg-type]
    return rc, out.getvalue()


def test_plan_names_every_step_without_the_secrets(repo: Repo) -> None:
    token, env = leaky_history(repo)
    rc, out = run()
    assert rc == 1
    assert "--invert-paths --path .env.master" in out
    assert "--replace-text" in out
    assert "git bundle create" in out and "git push --force --all" in out
    for value in [token] + [line.split("=", 1)[1] for line in env.splitlines() if "AWS" in line]:
        assert value not in out


def test_expressions_file_is_owner_only_and_holds_only_values(repo: Repo, tmp_path: os.PathLike[str]) -> None:
    token, env = leaky_history(repo)
    target = os.path.join(tmp_path, "expr.txt")
    run(write_expressions=target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with open(target, "rb") as fh:
        body = fh.read()
    # Every value found is replaced wherever it appears, the env file's too (it also leaves whole).
    env_values = sorted(line.split("=", 1)[1] for line in env.splitlines() if "AWS" in line)
    expected = sorted(f"literal:{v}==>***REMOVED-by-credgate***" for v in [token, *env_values])
    assert body.decode().splitlines() == expected


def test_apply_refuses_a_dirty_work_tree(repo: Repo) -> None:
    leaky_history(repo)
    repo.write("README.md", "local edit\n")
    with pytest.raises(UsageError, match="uncommitted changes"):
        run(apply=True)


@pytest.mark.skipif(
    not os.access(os.path.join(os.path.dirname(sys.executable), "git-filter-repo"), os.X_OK),
    reason="git-filter-repo is installed with the test extras",
)
def test_apply_rewrites_backs_up_and_verifies(repo: Repo) -> None:
    token, _ = leaky_history(repo)
    (repo.path / ".env.master").write_text("LOCAL=1\n")  # the developer's own copy, untracked now
    rc, out = run(apply=True)
    assert rc == 0, out
    assert "verified: no secret remains" in out
    # Every ref's history is clean again; the backup refs keep the old history on purpose and are skipped.
    assert history.run(opts=Options(fmt="json", out=io.StringIO(), err=io.StringIO())) == 0
    backup_refs = repo.git("for-each-ref", "refs/credgate-backup").strip().splitlines()
    assert backup_refs, "a backup ref points at the old history"
    rewritten = repo.git("log", "-p", "--branches", "--tags").strip()
    assert token not in rewritten and "***REMOVED-by-credgate***" in rewritten
    assert ".env.master" not in repo.git("log", "--branches", "--name-only", "--format=")
    assert list((repo.path / ".git" / "credgate-backup").glob("*/all.bundle"))
    assert not list((repo.path / ".git").glob("credgate-*/expressions.txt"))
    assert (repo.path / ".env.master").read_text() == "LOCAL=1\n"  # untracked local copy untouched


def test_cli_plan_exit_codes_and_the_expressions_message(repo: Repo, tmp_path: os.PathLike[str]) -> None:
    import subprocess

    cli = [sys.executable, "-m", "credgate", "remediate"]
    repo.stage("NOTES.md", "notes\n")
    repo.commit("notes")
    clean = subprocess.run(cli, capture_output=True, text=True)
    assert clean.returncode == 0 and "nothing to remediate" in clean.stdout
    token, _ = leaky_history(repo)
    target = os.path.join(tmp_path, "expr.txt")
    proc = subprocess.run([*cli, "--write-expressions", target], capture_output=True, text=True)
    assert proc.returncode == 1 and "1. Rotate first." in proc.stdout
    assert f"credgate: wrote {target} (mode 600)" in proc.stderr
    assert token not in proc.stdout + proc.stderr
    missing = subprocess.run([*cli, "--config", "missing.toml"], capture_output=True, text=True)
    assert missing.returncode == 2 and "missing.toml" in missing.stderr
