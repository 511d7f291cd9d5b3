"""Issue 14: remediate, history, audit and incident tried on the incident's own repository shape."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from credgate import gitio
from credgate.commands import audit, history, incident, remediate, scan_range, secrets
from credgate.commands._options import Options
from credgate.errors import UsageError
from credgate.gate import audit as audit_gate
from credgate.gate import audit_setup
from tests.conftest import Repo, aws_pair, secret

HAS_FILTER_REPO = os.access(os.path.join(os.path.dirname(sys.executable), "git-filter-repo"), os.X_OK)


def two_files(repo: Repo) -> tuple[str, str, str]:
    """.env.master and AUTOMATION-GUIDE.md holding the same AWS pair and OpenAI key."""
    key_id, key = aws_pair()
    openai = secret("sk-%%rand:alnum:20%%T3BlbkFJ%%rand:alnum:20%%")
    repo.stage("README.md", "# app\n")
    repo.commit("base")
    repo.stage(
        ".env.master", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\nOPENAI_API_KEY={openai}\n"
    )
    repo.commit("env")
    repo.stage(
        "AUTOMATION-GUIDE.md",
        f"# Guide\n\nexport AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={key}\n"
        f"export OPENAI_API_KEY={openai}\n",
    )
    repo.commit("guide")
    return key_id, key, openai


def out_of(fn: Any, **kw: Any) -> tuple[int, str]:
    out = io.StringIO()
    rc = fn(out=out, **kw)
    return rc, out.getvalue()


def out_of_opts(fn: Any, err: Any = None, **kw: Any) -> tuple[int, str]:
    """out_of() for a command whose run() takes its streams as `opts`."""
    out = io.StringIO()
    rc = fn(opts=Options(out=out, err=err), **kw)
    return rc, out.getvalue()


def audit_run(out: Any, skip: Any = (), fmt: str = "text") -> int:
    """`credgate audit` takes its streams and format as Options."""
    return audit.run(skip, opts=Options(fmt=fmt, out=out))


# ---------------------------------------------------------------- 1. remediate: one run, every value


def test_plan_removes_the_env_file_whole_and_replaces_the_values_in_the_guide(repo: Repo) -> None:
    values = two_files(repo)
    rc, text = out_of_opts(remediate.run, err=io.StringIO())
    assert rc == 1
    assert "--invert-paths --path .env.master" in text
    assert "--path AUTOMATION-GUIDE.md" not in text  # docs keep their history
    assert "in AUTOMATION-GUIDE.md and wherever else it appears" in text
    for value in values:
        assert value not in text
    # Every secret names both files it appeared in.
    assert text.count("(in .env.master, AUTOMATION-GUIDE.md;") == 3


@pytest.mark.skipif(not HAS_FILTER_REPO, reason="git-filter-repo is installed with the test extras")
def test_apply_removes_every_value_from_every_branch_and_tag_in_one_run(repo: Repo) -> None:
    values = two_files(repo)
    repo.git("tag", "v1")
    repo.git("branch", "old")
    repo.stage("src/app.py", "print(1)\n")
    repo.commit("more")
    rc, text = out_of_opts(remediate.run, apply=True, err=io.StringIO())
    assert rc == 0, text
    everything = repo.git("log", "-p", "--exclude=refs/credgate-backup/*", "--all")
    for value in values:
        assert value not in everything
    assert "***REMOVED-by-credgate***" in repo.git("show", "v1:AUTOMATION-GUIDE.md")
    assert "***REMOVED-by-credgate***" in repo.git("show", "old:AUTOMATION-GUIDE.md")
    assert history.run(opts=Options(fmt="json", out=io.StringIO(), err=io.StringIO())) == 0


# ---------------------------------------------------------------- 2. bare and mirror repositories


def test_bare_repository_plan_incident_and_scan_range(repo: Repo, tmp_path: Path, monkeypatch: Any) -> None:
    two_files(repo)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(bare)], check=True)
    monkeypatch.chdir(bare)
    layout = gitio.layout()
    assert layout.work_tree is None and layout.mirror
    rc, text = out_of_opts(remediate.run, err=io.StringIO())
    assert rc == 1 and "git push --force --mirror" in text and "No backup refs" in text
    rc, draft = out_of_opts(incident.run)
    assert rc == 0 and "`.env.master" in draft and "`AUTOMATION-GUIDE.md" in draft
    assert "# Postmortem: credentials committed to `bare`" in draft
    err = io.StringIO()
    rc = scan_range.run(to_ref="main", from_ref="main~2", opts=Options(out=io.StringIO(), err=err))
    assert rc == 1  # no "no index to scan" refusal
    checks = {c.name: c for c in audit_gate.audit()}
    assert checks["tracked"].verdict == "SKIPPED" and checks["hooks"].verdict == "SKIPPED"
    assert checks["history"].verdict == "UNSAFE"  # .env.master is in history


# ---------------------------------------------------------------- 3. preflight before backups


def test_missing_filter_repo_is_found_before_any_backup_is_written(repo: Repo, monkeypatch: Any) -> None:
    two_files(repo)
    monkeypatch.setattr(gitio, "filter_repo_exe", lambda: None)
    with pytest.raises(UsageError, match="git-filter-repo is not installed; nothing was changed"):
        remediate.run(apply=True, opts=Options(out=io.StringIO(), err=io.StringIO()))
    assert not (repo.path / ".git" / "credgate-backup").exists()
    assert not repo.git("for-each-ref", "refs/credgate-backup").strip()
    assert not list((repo.path / ".git").glob("credgate-*"))


def test_plan_steps_are_numbered_in_order_and_end_by_installing_both_hook_types(repo: Repo) -> None:
    two_files(repo)
    rc, text = out_of_opts(remediate.run, err=io.StringIO())
    numbers = [int(line.split(".", 1)[0]) for line in text.splitlines() if line[:1].isdigit()]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 6
    last = [line for line in text.splitlines() if line.startswith(f"{numbers[-1]}. ")][0]
    assert "--hook-type pre-commit --hook-type pre-push" in last and "credgate install-hooks" in last


@pytest.mark.skipif(not HAS_FILTER_REPO, reason="git-filter-repo is installed with the test extras")
def test_backups_are_owner_only_and_no_plaintext_copy_is_written(repo: Repo) -> None:
    two_files(repo)
    rc, text = out_of_opts(remediate.run, apply=True, err=io.StringIO())
    assert rc == 0, text
    backup_root = repo.path / ".git" / "credgate-backup"
    (stamp_dir,) = list(backup_root.iterdir())
    assert stat.S_IMODE(backup_root.stat().st_mode) == 0o700
    assert stat.S_IMODE(stamp_dir.stat().st_mode) == 0o700
    assert [p.name for p in stamp_dir.iterdir()] == ["all.bundle"]  # the bundle, no copy of the files
    assert stat.S_IMODE((stamp_dir / "all.bundle").stat().st_mode) == 0o600


# ---------------------------------------------------------------- 5. advice


def test_staged_gate_gitignores_credential_files_only(repo: Repo) -> None:
    key_id, key = aws_pair()
    repo.stage(".env.master", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    repo.stage(
        "AUTOMATION-GUIDE.md", f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={key}\n"
    )
    out = io.StringIO()
    rc, text = secrets.run(opts=Options(out=out, err=io.StringIO())), out.getvalue()
    assert rc == 1
    fix = text.split("How to fix:")[1]
    env_step = [line for line in fix.splitlines() if ".env.master" in line]
    guide_step = [line for line in fix.splitlines() if "AUTOMATION-GUIDE.md" in line]
    assert "git rm --cached -- .env.master" in env_step[0] and ".gitignore" in env_step[0]
    assert len(guide_step) == 1 and "placeholder" in guide_step[0]
    assert ".gitignore" not in guide_step[0] and "rm --cached" not in guide_step[0]


def test_history_advice_replaces_values_in_docs_and_tests_instead_of_deleting_them(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("README.md", f"token: {token}\n")
    repo.stage("tests/test_api.py", f"TOKEN = '{token}'\n")
    repo.commit()
    rc, text = out_of_opts(history.run, err=io.StringIO())
    assert rc == 1
    assert "--invert-paths" not in text
    assert "in README.md, tests/test_api.py only the value is replaced" in text
    assert "git filter-repo --replace-text FILE" in text
    assert "in README.md, tests/test_api.py;" in text  # every path, not a count


def test_first_push_rewrite_advice_says_root(repo: Repo) -> None:
    repo.stage("a.py", "print(1)\n")
    repo.commit()
    repo.stage("b.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    repo.commit()
    sha = repo.git("rev-parse", "HEAD").strip()
    stdin = io.StringIO(f"refs/heads/main {sha} refs/heads/main {'0' * 40}\n")
    rc, text = out_of(scan_range_run, pre_push=("origin", "url"), stdin=stdin, err=io.StringIO())
    assert rc == 1 and "git rebase -i --root" in text and "last pushed commit" not in text


def test_audit_tracked_check_does_not_send_the_user_to_audit(repo: Repo) -> None:
    repo.stage(".env.master", "A=1\n")
    repo.commit()
    rc, text = out_of(audit_run, skip=("history", "gitignore", "hooks", "ci"))
    assert rc == 1
    assert "credgate audit`" not in text and "check 2 below" in text


# ---------------------------------------------------------------- 6. audit: what really gates CI

GH_HEAD = "on: [push, pull_request]\njobs:\n"
GH = ".github/workflows/s.yml"


@pytest.mark.parametrize(
    ("path", "content", "verdict"),
    [
        (GH, GH_HEAD + "  s:\n    steps:\n      - run: credgate ci || true\n", "UNSAFE"),
        (GH, GH_HEAD + "  s:\n    continue-on-error: true\n    steps:\n"
         "      - run: credgate ci\n", "UNSAFE"),
        (GH, GH_HEAD + "  s:\n    steps:\n      - run: credgate ci\n"
         "        continue-on-error: true\n", "UNSAFE"),
        (GH, GH_HEAD + "  s:\n    steps:\n      - run: pip install credgate\n", "UNSAFE"),
        (GH, GH_HEAD + "  credgate:\n    steps:\n      - run: echo credgate\n", "UNSAFE"),
        (GH, "on: workflow_dispatch\njobs:\n  s:\n    steps:\n      - run: credgate ci\n",
         "UNSAFE"),
        (GH, GH_HEAD + "  s:\n    steps:\n      - run: |\n          pip install credgate\n"
         "          credgate ci --format github\n", "SAFE"),
        (".gitlab-ci.yml", "credgate:\n  script:\n    - credgate ci\n  allow_failure: true\n", "UNSAFE"),
        (".gitlab-ci.yml", "credgate:\n  script:\n    - pip install credgate\n", "UNSAFE"),
        (".gitlab-ci.yml", "credgate:\n  script:\n    - credgate ci | tee out.txt\n", "UNSAFE"),
        (".gitlab-ci.yml", "credgate:\n  when: manual\n  script:\n    - credgate ci\n", "UNSAFE"),
        (".gitlab-ci.yml", ".tmpl:\n  script:\n    - credgate ci\nscan:\n  extends: .tmpl\n", "SAFE"),
        ("Jenkinsfile", "pipeline { stages { stage('x') { steps { sh 'credgate ci' } } } }\n", "UNKNOWN"),
        (".circleci/config.yml", "jobs:\n  x:\n    steps:\n      - run: credgate ci\n", "UNKNOWN"),
        ("bitbucket-pipelines.yml", "pipelines:\n  default:\n    - step:\n        script: [credgate ci]\n",
         "UNKNOWN"),
    ],
)  # fmt: skip
def test_ci_check_counts_only_a_job_that_can_fail_the_pipeline(
    repo: Repo, path: str, content: str, verdict: str
) -> None:
    repo.stage(path, content)
    repo.commit()
    out = io.StringIO()
    rc = audit_run(out, skip=("tracked", "history", "gitignore", "hooks"), fmt="json")
    doc = json.loads(out.getvalue())
    assert doc["checks"]["ci"]["verdict"] == verdict, doc["checks"]["ci"]
    assert rc == (0 if verdict == "SAFE" else 1)  # UNKNOWN is never a pass
    if verdict == "UNSAFE" and "credgate" in content:
        assert doc["checks"]["ci"]["not_counted"]  # it says why the mention does not count


def test_pre_commit_ci_local_hook_merely_named_credgate_does_not_count(repo: Repo) -> None:
    repo.stage(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: credgate-secrets\n        name: x\n"
        "        entry: 'true'\n        language: system\nci:\n  autofix_prs: false\n",
    )
    repo.commit()
    check = audit_setup.check_ci(str(repo.path))
    assert check.verdict == "UNSAFE"


def test_gitignore_check_judges_the_committed_file(repo: Repo) -> None:
    repo.stage(".gitignore", ".env\n.env.local\n")
    repo.commit()
    rc, doc_text = out_of(audit_run, fmt="json", skip=("tracked", "history", "hooks", "ci"))
    assert rc == 1
    # Fixed on disk, not committed: still unsafe, and it says to commit it.
    assert subprocess.run([sys.executable, "-m", "credgate", "check-gitignore", "--fix"]).returncode == 1
    rc, text = out_of(audit_run, skip=("tracked", "history", "hooks", "ci"))
    assert rc == 1 and "not committed" in text and "git add .gitignore" in text
    repo.git("add", ".gitignore")
    repo.commit()
    assert out_of(audit_run, skip=("tracked", "history", "hooks", "ci"))[0] == 0


# ---------------------------------------------------------------- 7 and 8. incident and history text


def test_incident_names_every_file_and_keeps_only_the_sections_that_apply(repo: Repo, tmp_path: Path) -> None:
    two_files(repo)
    target = tmp_path / "pm.md"
    rc, _ = out_of_opts(incident.run, output=str(target), now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert rc == 0
    text = target.read_text()
    table = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(table) == 3 and all("`.env.master:" in row and "`AUTOMATION-GUIDE.md`" in row for row in table)
    root_cause = text[text.index("### Root Cause") : text.index("### What Was Skipped")]
    assert root_cause.count("AUTOMATION-GUIDE.md") == 3
    assert "Memory updates" not in text and "Regressions.md" not in text


def test_history_text_names_every_path(repo: Repo) -> None:
    two_files(repo)
    rc, text = out_of_opts(history.run, err=io.StringIO())
    assert rc == 1
    assert "path(s)" not in text
    assert text.count("in .env.master, AUTOMATION-GUIDE.md;") == 3


def test_stashed_changes_are_refused_before_any_backup(repo: Repo) -> None:
    two_files(repo)
    repo.write("README.md", "local edit\n")
    repo.git("stash", "-q")
    with pytest.raises(UsageError, match="stashed changes"):
        remediate.run(apply=True, opts=Options(out=io.StringIO(), err=io.StringIO()))
    assert not (repo.path / ".git" / "credgate-backup").exists()
    assert repo.git("stash", "list").strip()  # untouched


@pytest.mark.skipif(not HAS_FILTER_REPO, reason="git-filter-repo is installed with the test extras")
def test_after_apply_no_reflog_reaches_the_old_history(repo: Repo) -> None:
    values = two_files(repo)
    assert out_of_opts(remediate.run, apply=True, err=io.StringIO())[0] == 0
    reflog = repo.git("log", "-p", "--exclude=refs/credgate-backup/*", "--all", "--reflog")
    for value in values:
        assert value not in reflog
    assert (
        history.run(include_reflog=True, opts=Options(fmt="json", out=io.StringIO(), err=io.StringIO())) == 0
    )


def _readme_block(starts_with: str) -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for block in readme.split("```yaml\n")[1:]:
        body = block.split("```", 1)[0]
        if body.startswith(starts_with):
            return body
    raise AssertionError(f"no README yaml block starts with {starts_with!r}")


@pytest.mark.parametrize(
    ("path", "start"),
    [(".github/workflows/secrets.yml", "# .github/workflows/secrets.yml"), (".gitlab-ci.yml", "credgate:")],
)
def test_the_readme_ci_recipes_pass_the_audit(repo: Repo, path: str, start: str) -> None:
    repo.stage(path, _readme_block(start))
    repo.commit()
    check = audit_setup.check_ci(str(repo.path))
    assert check.verdict == "SAFE", check.facts


@pytest.mark.parametrize(
    ("run", "counts"),
    [
        ("timeout 300 credgate ci", True),
        ("nice -n 5 credgate ci --format github", True),
        ("credgate ci --help", False),
        ("exit 0\ncredgate ci", False),
        ("credgate ci &", False),
        ("if credgate ci; then echo ok; fi", False),
        ("set +e\ncredgate ci", False),
        ("echo 'credgate ci'", False),
        ("credgate install-hooks", False),
        ("credgate ci 2>&1 | tee credgate.log", True),  # GitHub's bash runs with pipefail
    ],
)
def test_github_run_steps(run: str, counts: bool) -> None:
    from credgate.gate import ci_config as ci_gates

    body = "\n".join("          " + line for line in run.splitlines())
    workflow = f"on: push\njobs:\n  j:\n    steps:\n      - run: |\n{body}\n"
    result = ci_gates.judge({".github/workflows/a.yml": workflow})
    assert bool(result.runs) is counts, (result.runs, result.rejected)


STEPS = "on: push\njobs:\n  j:\n    steps:\n"


@pytest.mark.parametrize(
    ("workflow", "counts"),
    [
        (STEPS + "      - run: pre-commit run --all-files\n", True),
        (STEPS + "      - run: SKIP=credgate-secrets pre-commit run --all-files\n", False),
        (STEPS + "      - run: pre-commit run flake8 --all-files\n", False),
        ("on: push\nenv:\n  SKIP: credgate-secrets\n" + STEPS[9:] + "      - uses: pre-commit/action@v3\n",
         False),
        (STEPS + "      - uses: pre-commit/action@v3\n", True),
        ("on: push\njobs:\n  j:\n    uses: org/credgate/.github/workflows/scan.yml@v1\n", None),
    ],
)  # fmt: skip
def test_github_pre_commit_steps_and_reusable_workflows(workflow: str, counts: bool | None) -> None:
    from credgate.gate import ci_config as ci_gates

    config = "repos:\n  - repo: https://x/credgate\n    rev: v1\n    hooks:\n      - id: credgate-secrets\n"
    result = ci_gates.judge({".pre-commit-config.yaml": config, ".github/workflows/a.yml": workflow})
    if counts is None:
        assert not result.runs and result.unknown
    else:
        assert bool(result.runs) is counts, (result.runs, result.rejected)


@pytest.mark.skipif(not HAS_FILTER_REPO, reason="git-filter-repo is installed with the test extras")
def test_a_private_key_pasted_into_docs_is_replaced_whole_even_with_crlf_line_ends(repo: Repo) -> None:
    key = secret("%%pem:RSA_PRIVATE_KEY%%")
    repo.stage("deploy/id_rsa", key + "\n")
    repo.stage(
        "docs/SETUP.md",
        "# Setup\r\n\r\nPaste this:\r\n\r\n" + key.replace("\n", "\r\n") + "\r\n\r\nDone.\r\n",
    )
    repo.commit("keys")
    rc, text = out_of_opts(remediate.run, apply=True, err=io.StringIO())
    assert rc == 0, text
    assert "deploy/id_rsa" not in repo.git("log", "--exclude=refs/credgate-backup/*", "--all", "--name-only")
    setup = repo.git("show", "HEAD:docs/SETUP.md")
    assert "PRIVATE KEY" not in setup and "***REMOVED-by-credgate***" in setup and "Done." in setup


def test_a_failing_rewrite_says_where_the_backup_is_and_leaves_no_expressions_file(
    repo: Repo, monkeypatch: Any
) -> None:
    from credgate.errors import InternalError

    two_files(repo)
    monkeypatch.setattr(gitio, "filter_repo_exe", lambda: sys.executable)
    monkeypatch.setattr(gitio, "filter_repo_works", lambda exe: True)

    def boom(exe: str, args: Any, cwd: Any = None) -> None:
        raise gitio.GitCommandError(["filter-repo"], 1, b"fatal: something broke")

    monkeypatch.setattr(gitio, "run_filter_repo", boom)
    with pytest.raises(InternalError) as info:
        remediate.run(apply=True, opts=Options(out=io.StringIO(), err=io.StringIO()))
    assert "all.bundle" in info.value.hint and "git fetch --force" in info.value.hint
    assert list((repo.path / ".git" / "credgate-backup").glob("*/all.bundle"))
    assert not list((repo.path / ".git").glob("credgate-*/expressions.txt"))
    assert (repo.path / ".env.master").exists()  # the work tree is untouched


@pytest.mark.parametrize(
    ("shell", "run", "counts"),
    [
        ("bash {0}", "credgate ci\necho done", False),  # no -e: the step's status is echo's
        ("bash {0}", "echo start\ncredgate ci", True),
        ("sh", "credgate ci | tee log", False),  # sh -e has no pipefail
        ("bash", "credgate ci | tee log", True),
        ("pwsh", "credgate ci; Write-Host done", False),
    ],
)
def test_github_step_shells(shell: str, run: str, counts: bool) -> None:
    from credgate.gate import ci_config as ci_gates

    body = "\n".join("          " + line for line in run.splitlines())
    workflow = f"on: push\njobs:\n  j:\n    steps:\n      - shell: {shell}\n        run: |\n{body}\n"
    result = ci_gates.judge({".github/workflows/a.yml": workflow})
    assert bool(result.runs) is counts, (result.runs, result.rejected)


SCAN_JOB = "scan:\n  script:\n    - credgate ci\n"


@pytest.mark.parametrize(
    ("main", "files", "verdict"),
    [
        ("include:\n  - local: ci/scan.yml\n", {"ci/scan.yml": SCAN_JOB}, "SAFE"),
        ("include: 'ci/*.yml'\n", {"ci/scan.yml": SCAN_JOB}, "SAFE"),
        ("include:\n  - local: ci/scan.yml\n",
         {"ci/scan.yml": "scan:\n  script:\n    - credgate ci\n  allow_failure: true\n"}, "UNSAFE"),
        ("include:\n  - project: org/templates\n    file: credgate.yml\n", {}, "UNKNOWN"),
    ],
)  # fmt: skip
def test_gitlab_local_includes_are_read(repo: Repo, main: str, files: dict[str, str], verdict: str) -> None:
    repo.stage(".gitlab-ci.yml", main)
    for path, text in files.items():
        repo.stage(path, text)
    repo.commit()
    assert audit_setup.check_ci(str(repo.path)).verdict == verdict


def test_a_mirror_clone_uses_the_committed_configuration(
    repo: Repo, tmp_path: Path, monkeypatch: Any
) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage(".credgate.toml", 'exclude = ["fixtures/**"]\n')
    repo.stage("fixtures/sample.py", f"TOKEN = '{token}'\n")
    repo.commit()
    assert history.run(opts=Options(fmt="json", out=io.StringIO(), err=io.StringIO())) == 0
    mirror = tmp_path / "m.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(mirror)], check=True)
    monkeypatch.chdir(mirror)
    assert history.run(opts=Options(fmt="json", out=io.StringIO(), err=io.StringIO())) == 0  # the same answer
    rc, text = out_of_opts(remediate.run, err=io.StringIO())
    assert rc == 0 and "nothing to remediate" in text


def test_a_broken_config_in_a_work_tree_is_an_error_not_a_silent_default(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    repo.write(".credgate.toml", "exclude = [\n")
    with pytest.raises(UsageError, match="not valid TOML"):
        history.run(opts=Options(out=io.StringIO(), err=io.StringIO()))


def scan_range_run(out: io.StringIO, err: io.StringIO, **kw: Any) -> int:
    """scan_range.run with the streams `out_of` passes, as the shared Options."""
    shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
    return scan_range.run(**kw, opts=Options(out=out, err=err, **shared))
