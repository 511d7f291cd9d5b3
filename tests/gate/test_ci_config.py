"""gate/ci_config.py: judging committed CI files, job by job (audit's CI check without the CLI)."""

from __future__ import annotations

from credgate.gate import ci_config

WORKFLOW = """
on: [push, pull_request]
jobs:
  secrets:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: credgate ci
"""


def test_a_github_job_that_runs_a_scan_counts() -> None:
    result = ci_config.judge({".github/workflows/a.yml": WORKFLOW})
    assert result.runs == [{"path": ".github/workflows/a.yml", "how": "credgate", "job": "secrets"}]
    assert result.looked == [".github/workflows/a.yml"] and not result.rejected and not result.unknown


def test_github_jobs_whose_failure_is_lost_are_rejected_with_the_reason() -> None:
    cases = {
        "continue-on-error: true": WORKFLOW.replace("runs-on:", "continue-on-error: true\n    runs-on:"),
        "`if: false`": WORKFLOW.replace("runs-on:", "if: false\n    runs-on:"),
        "not on push or pull_request": WORKFLOW.replace("[push, pull_request]", "[workflow_dispatch]"),
        "`||` swallows": WORKFLOW.replace("credgate ci", "credgate ci || true"),
        "step has `continue-on-error: true`": WORKFLOW.replace(
            "- run: credgate ci", "- run: credgate ci\n        continue-on-error: true"
        ),
        "not valid YAML": "on: [push\njobs: credgate",
    }
    for why, text in cases.items():
        result = ci_config.judge({".github/workflows/a.yml": text})
        assert not result.runs, why
        assert any(why in r for r in result.rejected), (why, result.rejected)


def test_a_github_shell_without_errexit_reports_only_the_last_command() -> None:
    text = WORKFLOW.replace(
        "- run: credgate ci", "- shell: pwsh\n        run: |\n          credgate ci\n          echo done"
    )
    assert not ci_config.judge({".github/workflows/a.yml": text}).runs


def test_gitlab_jobs_templates_and_allow_failure() -> None:
    text = """
.scan:
  script: [credgate ci]
secrets:
  extends: .scan
lenient:
  script: [credgate ci]
  allow_failure: true
manual:
  script: [credgate ci]
  when: manual
"""
    result = ci_config.judge({".gitlab-ci.yml": text})
    assert result.runs == [{"path": ".gitlab-ci.yml", "how": "credgate", "job": "secrets"}]
    assert any("lenient: `allow_failure`" in r for r in result.rejected)
    assert any("manual: `when: manual`" in r for r in result.rejected)


def test_gitlab_includes_local_files_and_flags_what_it_cannot_read() -> None:
    main = "include:\n  - local: ci/*.yml\n  - project: other/repo\n"
    tree = ["ci/scan.yml", "ci/lint.yml", "src/app.py"]
    local, other = ci_config.gitlab_local_includes(main, tree)
    assert local == ["ci/scan.yml", "ci/lint.yml"] and other
    included = ({"ci/scan.yml": "secrets:\n  script: [credgate ci]\n"}, other)
    result = ci_config.judge({".gitlab-ci.yml": main}, {".gitlab-ci.yml": included})
    assert result.runs == [{"path": ".gitlab-ci.yml", "how": "credgate", "job": "secrets"}]
    # Nothing found and an include credgate cannot read: unknown, never a pass.
    result = ci_config.judge({".gitlab-ci.yml": main}, {".gitlab-ci.yml": ({}, True)})
    assert not result.runs and result.unknown


def test_pre_commit_ci_and_other_ci_systems() -> None:
    config = "repos:\n  - repo: x\n    hooks:\n      - id: credgate-secrets\nci:\n  autofix_prs: false\n"
    result = ci_config.judge({".pre-commit-config.yaml": config, "Jenkinsfile": "pipeline {}"})
    assert result.runs == [
        {"path": ".pre-commit-config.yaml", "how": "pre-commit.ci", "job": "credgate-secrets"}
    ]
    assert result.unknown == ["Jenkinsfile"]
    skipped = config.replace("autofix_prs: false", "skip: [credgate-secrets]")
    assert "`ci: skip`" in ci_config.judge({".pre-commit-config.yaml": skipped}).rejected[0]


def test_which_files_are_ci_files() -> None:
    for path in (".github/workflows/x.yaml", ".gitlab-ci.yml", ".circleci/config.yml", "Jenkinsfile"):
        assert ci_config.is_ci_file(path), path
    for path in (".github/workflows/sub/x.yml", "docs/.gitlab-ci.yml", "ci.yml"):
        assert not ci_config.is_ci_file(path), path
