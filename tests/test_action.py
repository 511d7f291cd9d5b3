"""The GitHub Action runs no code from the pull request it judges (issue 18, item 1).

The action's `run:` scripts are taken from action.yml and executed with bash the way the
runner does (`bash --noprofile --norc -eo pipefail`, the workspace as working directory,
`${{ }}` expressions in `env:` resolved, step outputs read back from $GITHUB_OUTPUT), on a
real checkout whose pull request adds a token and also commits a `pip.py` (or a `pip/`
package), `venv.py`, `ensurepip.py`, `credgate.py`, and executable `./credgate`, `./python3`
and `./git` (with `.` on PATH), with a fake `credgate` first on PATH. Each plant, if it ran,
would leave a marker file and exit 0.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT, Repo, secret

ACTION = PROJECT / "action.yml"
# The wheel cache of the user who runs the tests, captured before the autouse fixture swaps HOME:
# the action's venv is built from the same pinned wheels every time, so they are downloaded once.
_USER_PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "pip"
)
_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _plant(path: Path, marker_dir: Path, name: str, executable: bool = False) -> None:
    """A file that, if anything ever runs it, records that and pretends all is well."""
    marker = marker_dir / name
    if executable:
        body = f"#!/bin/sh\ntouch '{marker}'\nexit 0\n"
    else:
        body = f"import sys\nopen({str(marker)!r}, 'w').close()\nsys.exit(0)\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _malicious_pr(repo: Repo, marker_dir: Path, pip_as_package: bool = False) -> tuple[str, str]:
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    if pip_as_package:
        _plant(repo.path / "pip" / "__main__.py", marker_dir, "pip-package")
        _plant(repo.path / "pip" / "__init__.py", marker_dir, "pip-package-init")
    else:
        _plant(repo.path / "pip.py", marker_dir, "pip.py")
    _plant(repo.path / "venv.py", marker_dir, "venv.py")
    _plant(repo.path / "ensurepip.py", marker_dir, "ensurepip.py")
    _plant(repo.path / "credgate.py", marker_dir, "credgate.py")
    _plant(repo.path / "credgate", marker_dir, "dot-credgate", executable=True)
    # With `.` on PATH, these would stand in for the interpreter and for the git credgate reads with.
    _plant(repo.path / "python3", marker_dir, "dot-python3", executable=True)
    _plant(repo.path / "git", marker_dir, "dot-git", executable=True)
    repo.write("deploy.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    repo.git("add", "-A")
    repo.commit("add a deploy script")
    return base, repo.git("rev-parse", "HEAD").strip()


def _resolve(
    value: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]], env: dict[str, str]
) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return outputs.get(parts[1], {}).get(parts[3], "")
        if expr == "runner.temp":
            return env["RUNNER_TEMP"]
        if expr == "github.action_path":
            return env["GITHUB_ACTION_PATH"]
        raise AssertionError(f"the test runner does not know the expression {expr!r}")

    return _EXPR.sub(one, value)


def run_action(
    workspace: Path,
    tmp: Path,
    event: dict[str, object],
    head: str,
    path_prefix: list[str],
    action_text: str | None = None,
    **given: str,
) -> list[subprocess.CompletedProcess[str]]:
    action = yaml.safe_load(action_text or ACTION.read_text())
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(given)
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir()
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(event))
    base_env = {
        **os.environ,
        "PATH": os.pathsep.join([*path_prefix, os.environ["PATH"]]),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_ACTION_PATH": str(PROJECT),
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_SHA": head,
        "PIP_CACHE_DIR": _USER_PIP_CACHE,
    }
    for var in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH"):
        base_env.pop(var, None)
    outputs: dict[str, dict[str, str]] = {}
    done = []
    for i, step in enumerate(action["runs"]["steps"]):
        assert step["shell"] == "bash"
        out_file = tmp / f"github-output-{i}"
        out_file.write_text("")
        script = tmp / f"step-{i}.sh"
        script.write_text(step["run"])
        env = {**base_env, "GITHUB_OUTPUT": str(out_file)}
        for key, value in (step.get("env") or {}).items():
            env[key] = _resolve(str(value), inputs, outputs, env)
        # How the runner runs `shell: bash`, from the workspace, as it does by default.
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace, env=env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        done.append(proc)
        if "id" in step:
            lines = out_file.read_text().splitlines()
            outputs[step["id"]] = dict(line.split("=", 1) for line in lines if "=" in line)
        if proc.returncode != 0:
            break
    return done


def test_action_blocks_a_token_in_a_checkout_that_plants_pip_and_credgate(repo: Repo, tmp_path: Path) -> None:
    # One end-to-end run (a venv is built): `pip.py` and a `pip/` package shadow pip the same way
    # (the working directory first on sys.path), so the module form, the issue's, stands for both.
    markers = tmp_path / "markers"
    markers.mkdir()
    base, head = _malicious_pr(repo, markers)
    fake_bin = tmp_path / "fake-bin"
    _plant(fake_bin / "credgate", markers, "path-credgate", executable=True)
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    # `.` on PATH as well: the committed ./credgate would win a PATH lookup.
    steps = run_action(repo.path, tmp_path, event, head, [str(fake_bin), "."], format="text")
    assert steps[0].returncode == 0, steps[0].stdout + steps[0].stderr
    install, scan = steps
    assert scan.returncode == 1, scan.stdout + scan.stderr
    assert "deploy.py:1" in scan.stdout and "github-pat" in scan.stdout
    assert sorted(p.name for p in markers.iterdir()) == [], "code from the checkout ran"
    # Nothing was written into the pull request's checkout.
    assert repo.git("status", "--porcelain", "--ignored") == ""
    # Text output is data, not workflow commands: the runner is told to stop reading them.
    lines = scan.stdout.splitlines()
    token = re.fullmatch(r"::stop-commands::(credgate-[0-9a-f]{32})", lines[0])
    assert token, lines[0]
    assert lines[-1] == f"::{token.group(1)}::"
    assert not any(line.lstrip().startswith("::") for line in lines[1:-1])


def test_every_python_in_the_action_runs_isolated_and_credgate_is_never_looked_up() -> None:
    action = yaml.safe_load(ACTION.read_text())
    scripts = "\n".join(step["run"] for step in action["runs"]["steps"])
    calls = 0
    for line in scripts.splitlines():
        code = line.split("#", 1)[0]
        if re.search(r"(^|\s)(python3?|\"\$py\"|\"\$CREDGATE_PYTHON\")\s", code):
            calls += 1
            assert " -I " in code, line
        # No bare `pip` / `credgate` command: both would be PATH lookups.
        assert not re.match(r"\s*(pip3?|credgate)\s", code), line
    assert calls >= 4
    assert "--require-hashes" in scripts
    requirements = (PROJECT / "action-requirements.txt").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", requirements, re.M)
    assert {name for name, _ in pins} >= {"click", "pathspec", "detect-secrets", "google-re2"}
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", requirements)) > len(pins)


# The action as it was before issue 18: the control that shows the plants above are a real attack.
VULNERABLE_ACTION = """
inputs:
  format: {default: github}
  args: {default: ""}
runs:
  using: composite
  steps:
    - shell: bash
      run: python3 -m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"
    - shell: bash
      env: {CREDGATE_FORMAT: "${{ inputs.format }}", CREDGATE_ARGS: "${{ inputs.args }}"}
      run: credgate ci --format "$CREDGATE_FORMAT" $CREDGATE_ARGS
"""


@pytest.mark.parametrize("pip_as_package", [False, True], ids=["pip.py", "pip-package"])
def test_the_plants_defeat_an_action_that_runs_pip_from_the_checkout(
    repo: Repo, tmp_path: Path, pip_as_package: bool
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    base, head = _malicious_pr(repo, markers, pip_as_package)
    fake_bin = tmp_path / "fake-bin"
    _plant(fake_bin / "credgate", markers, "path-credgate", executable=True)
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    steps = run_action(repo.path, tmp_path, event, head, [str(fake_bin)], VULNERABLE_ACTION)
    assert [s.returncode for s in steps] == [0, 0]  # the token passes
    assert {"pip-package-init" if pip_as_package else "pip.py", "path-credgate"} <= {
        p.name for p in markers.iterdir()
    }
