"""gate/ci_scripts.py: does a CI script or a pre-commit config run a credgate scan whose failure counts?"""

from __future__ import annotations

import pytest

from credgate.gate import ci_scripts


@pytest.mark.parametrize(
    "script,sub",
    [
        ("credgate ci", "ci"),
        ("set -e\npip install credgate\ncredgate scan-range --from-ref a --to-ref b", "scan-range"),
        ("timeout 300 credgate ci --format sarif", "ci"),
        ("nice -n 5 python3 -m credgate history", "history"),
        ("uvx credgate ci", "ci"),
        ("FOO=1 env credgate \\\n  ci", "ci"),
    ],
)
def test_a_scan_whose_failure_fails_the_script(script: str, sub: str) -> None:
    assert ci_scripts.script_gate(script, pipefail=False) == (sub, "")


@pytest.mark.parametrize(
    "script,why",
    [
        ("credgate ci || true", "`||` swallows"),
        ("credgate ci | tee log", "a pipe hides"),
        ("set +e\ncredgate ci", "`set +e`"),
        ("credgate ci &", "in the background"),
        ("if credgate ci; then echo ok; fi", "is tested, not enforced"),
        ("pip install credgate", "installed but no credgate scan runs"),
        ("credgate install-hooks", "does not run a credgate scan"),
        ("credgate ci --help", "does not run a credgate scan"),
        ("exit 0\ncredgate ci", "exits before credgate runs"),
    ],
)
def test_a_mention_that_gates_nothing_says_why(script: str, why: str) -> None:
    sub, reason = ci_scripts.script_gate(script, pipefail=False)
    assert sub is None and why in reason


def test_pipefail_and_errexit_decide() -> None:
    assert ci_scripts.script_gate("credgate ci | tee log", pipefail=True) == ("ci", "")
    assert ci_scripts.script_gate("set -o pipefail\ncredgate ci | tee log", pipefail=False) == ("ci", "")
    # Without errexit only the last command's status is the step's.
    assert ci_scripts.script_gate("credgate ci\ntrue", pipefail=False, errexit=False)[0] is None
    assert ci_scripts.script_gate("true\ncredgate ci", pipefail=False, errexit=False)[0] == "ci"


def test_a_stronger_reason_wins() -> None:
    assert ci_scripts.better("", "x") == "x"
    weak = "credgate is installed but no credgate scan runs"
    assert ci_scripts.better(weak, "`credgate ci || true`: `||` swallows") != weak
    assert ci_scripts.better("`||` swallows", weak) == "`||` swallows"


CONFIG = """
default_stages: [pre-commit]
repos:
  - repo: https://example.invalid/credgate
    rev: v1
    hooks:
      - id: credgate-secrets
      - id: credgate-range
      - id: credgate-files
        stages: [pre-push]
  - repo: local
    hooks:
      - id: credgate-fake
        entry: echo credgate
        language: system
ci:
  skip: [credgate-secrets]
"""


def test_pre_commit_config_reads_hooks_stages_and_skips() -> None:
    hooks = ci_scripts.pre_commit_config(CONFIG)
    # A local hook only named credgate runs no credgate; default_stages put credgate-range at commit stage.
    assert hooks.ids == ["credgate-secrets", "credgate-range", "credgate-files"]
    assert hooks.commit_ids == ["credgate-secrets", "credgate-range"]
    assert hooks.has_ci and hooks.skipped == {"credgate-secrets"}
    assert ci_scripts.pre_commit_config("repos: [").ids == []


def test_pre_commit_run_counts_when_it_runs_a_credgate_commit_hook() -> None:
    hooks = ci_scripts.pre_commit_config(CONFIG)
    assert ci_scripts.pre_commit_gate("pre-commit run --all-files", False, hooks)
    assert ci_scripts.pre_commit_gate("python -m pre_commit run credgate-range --all-files", False, hooks)
    assert not ci_scripts.pre_commit_gate("pre-commit run flake8 --all-files", False, hooks)
    assert not ci_scripts.pre_commit_gate("pre-commit run --all-files || true", False, hooks)
    assert not ci_scripts.pre_commit_gate("pre-commit run --hook-stage manual", False, hooks)
    assert not ci_scripts.pre_commit_gate(
        "SKIP=credgate-secrets,credgate-range pre-commit run --all-files", False, hooks
    )
    assert not ci_scripts.pre_commit_gate(
        "pre-commit run -a", False, hooks, skip_env={"credgate-secrets", "credgate-range"}
    )
    assert ci_scripts.skip_from({"SKIP": "a, b"}, None, {"SKIP": 1}) == {"a", "b"}


def test_hostile_yaml_is_unreadable_not_a_crash() -> None:
    assert ci_scripts.yaml_doc("[" * 5000) is None  # nesting past the parser's limits
    assert ci_scripts.yaml_doc("a: [") is None
