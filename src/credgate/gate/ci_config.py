"""Does a committed CI configuration run a credgate gate that can fail the pipeline?

`credgate audit`'s CI check. A file that merely mentions credgate proves nothing:
`credgate ci || true`, `continue-on-error: true`, `allow_failure: true`,
`pip install credgate` with no scan, or a job that is only *named* credgate all
let a secret through. So the configurations credgate can read are parsed as
YAML and judged job by job, step by step:

- GitHub Actions (`.github/workflows/*.yml`): a workflow triggered by push or
  pull requests, a job that is not `continue-on-error` or `if: false`, a step
  that runs a credgate scan (or credgate's action, or pre-commit with credgate
  hooks) whose failure is not swallowed;
- GitLab CI (`.gitlab-ci.yml`): a job that is not hidden, manual or
  `allow_failure`, whose `script` runs such a scan;
- pre-commit.ci (`.pre-commit-config.yaml` with a `ci:` section): a credgate hook
  that runs at commit stage and is not in `ci: skip`.

Any other CI system (Jenkins, CircleCI, Azure Pipelines, Bitbucket, Travis...)
is reported as UNKNOWN: credgate cannot tell whether its step can fail the build.
Everything here is bounded: files are at most 1 MiB, shell lines are split with
plain string operations (gate/ci_scripts.py), and YAML aliases are never walked recursively.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from credgate.gate.ci_scripts import (
    HookConfig,
    better,
    pre_commit_config,
    pre_commit_gate,
    runs_pre_commit,
    script_gate,
    shell_words,
    skip_from,
    yaml_doc,
)

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
GITHUB = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
GITLAB = re.compile(r"^\.gitlab-ci\.ya?ml$")
# CI systems whose configuration credgate does not interpret: their presence makes the answer UNKNOWN.
UNREADABLE = re.compile(
    r"^(?:Jenkinsfile|.*\.jenkinsfile|\.circleci/config\.ya?ml|azure-pipelines\.ya?ml|\.azure-pipelines/.+\.ya?ml"
    r"|bitbucket-pipelines\.ya?ml|\.travis\.ya?ml|\.drone\.ya?ml|\.woodpecker\.ya?ml|\.woodpecker/.+\.ya?ml"
    r"|\.buildkite/pipeline\.ya?ml|buildspec\.ya?ml|cloudbuild\.ya?ml|appveyor\.ya?ml|\.appveyor\.ya?ml"
    r"|\.semaphore/semaphore\.ya?ml|bitrise\.ya?ml|codemagic\.ya?ml|\.cirrus\.ya?ml|\.teamcity/.+"
    r"|\.tekton/.+\.ya?ml|\.forgejo/workflows/.+\.ya?ml|\.gitea/workflows/.+\.ya?ml)$"
)
# credgate subcommands that scan and exit 1 on a finding; `install-hooks`, `rules`, `baseline`,
GATE_EVENTS = frozenset({"push", "pull_request", "pull_request_target", "merge_group"})
GITLAB_RESERVED = frozenset(
    {"stages", "variables", "default", "include", "workflow", "image", "services", "before_script",
     "after_script", "cache", "pages"}
)  # fmt: skip


@dataclass
class CIResult:
    runs: list[dict[str, str]] = field(default_factory=list)  # {"path", "how", "job"}
    rejected: list[str] = field(default_factory=list)  # why a credgate mention does not count
    unknown: list[str] = field(default_factory=list)  # CI files credgate cannot interpret
    looked: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- GitHub Actions


def _truthy(value: Any) -> bool:
    """`continue-on-error: true`, or an expression that may be true at run time (`${{ matrix.x }}`)."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "${{ false }}")
    return value is True


def _falsy_if(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "${{ false }}"))


def _events(doc: dict[Any, Any]) -> set[str]:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on:` key as the boolean true
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(e) for e in on}
    if isinstance(on, dict):
        return {str(e) for e in on}
    return set()


def github(path: str, text: str, hooks: HookConfig, result: CIResult) -> None:
    doc = yaml_doc(text)
    if not isinstance(doc, dict):
        if "credgate" in text:
            result.rejected.append(f"{path}: not valid YAML, so credgate cannot tell what it runs")
        return
    if not GATE_EVENTS & _events(doc):
        if "credgate" in text:
            result.rejected.append(
                f"{path}: runs on {sorted(_events(doc)) or 'no event'}, not on push or pull_request"
            )
        return
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return
    for name, job in jobs.items():
        if not isinstance(job, dict):
            continue
        label = f"{path} job {name}"
        steps = job.get("steps")
        if isinstance(job.get("uses"), str) and "credgate" in str(job.get("uses")):
            # A reusable workflow lives in another repository: credgate cannot read what it runs.
            result.unknown.append(f"{label} (calls the reusable workflow {job.get('uses')})")
            continue
        if not isinstance(steps, list):
            if "credgate" in str(name):
                result.rejected.append(f"{label}: named credgate, but runs no credgate step")
            continue
        found, why = _github_steps(steps, job, hooks, skip_from(doc.get("env"), job.get("env")))
        if found and _truthy(job.get("continue-on-error")):
            result.rejected.append(
                f"{label}: `continue-on-error: true`, so a failing scan does not fail the run"
            )
        elif found and _falsy_if(job.get("if")):
            result.rejected.append(f"{label}: `if: false`, so it never runs")
        elif found:
            result.runs.append({"path": path, "how": found, "job": str(name)})
        elif why:
            result.rejected.append(f"{label}: {why}")
        elif "credgate" in str(name) or "credgate" in str(job.get("name", "")):
            result.rejected.append(f"{label}: named credgate, but runs no credgate scan")


def _github_shell(shell: str) -> tuple[bool, bool]:
    """(errexit, pipefail) of a step's shell. GitHub runs `bash` (and the default) as
    `bash -eo pipefail {0}` and `sh` as `sh -e {0}`; pwsh, python and cmd report only the last
    command's status; a custom command line has what its flags say."""
    shell = shell.strip()
    if shell in ("", "bash"):
        return True, True
    if shell == "sh":
        return True, False
    if "{0}" not in shell:
        return False, False
    flags = " ".join(w for w in shell.split() if w.startswith("-"))
    errexit = bool(re.search(r"(?:^|\s)-[a-z]*e", flags)) or "errexit" in shell
    return errexit, "pipefail" in shell


def _action_runs_credgate(step: dict[Any, Any], hooks: HookConfig, skip_env: set[str]) -> bool:
    """pre-commit/action runs `pre-commit run --all-files` plus its `extra_args` (a hook id narrows it)."""
    extra = ""
    if isinstance(step.get("with"), dict):
        extra = str(step["with"].get("extra_args", ""))
    words = ["pre-commit", "run", *(shell_words(extra) if extra else ["--all-files"])]
    return runs_pre_commit(words, hooks, skip_env | skip_from(step.get("env")))


def _github_steps(
    steps: list[Any], job: dict[Any, Any], hooks: HookConfig, skip_env: set[str]
) -> tuple[str, str]:
    why = ""
    defaults = job.get("defaults")
    default_shell = ""
    if isinstance(defaults, dict) and isinstance(defaults.get("run"), dict):
        default_shell = str(defaults["run"].get("shell", ""))
    for step in steps:
        if not isinstance(step, dict):
            continue
        how = ""
        uses = step.get("uses")
        run = step.get("run")
        if isinstance(uses, str):
            action = uses.split("@", 1)[0].rstrip("/")
            if action.rsplit("/", 1)[-1] == "credgate":
                how = "credgate"
            elif action == "pre-commit/action" and _action_runs_credgate(step, hooks, skip_env):
                how = "pre-commit"
        elif isinstance(run, str):
            errexit, pipefail = _github_shell(str(step.get("shell", default_shell)))
            default = pipefail
            sub, reason = script_gate(run, pipefail=pipefail, errexit=errexit)
            if sub:
                how = "credgate"
            elif pre_commit_gate(run, default, hooks, skip_env | skip_from(step.get("env"))):
                how = "pre-commit"
            elif reason:
                why = better(why, reason)
        if not how:
            continue
        if _truthy(step.get("continue-on-error")):
            why = "the credgate step has `continue-on-error: true`"
            continue
        if _falsy_if(step.get("if")):
            why = "the credgate step has `if: false`"
            continue
        return how, ""
    return "", why


# ---------------------------------------------------------------- GitLab CI


def _script_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        # A nested list (a YAML anchor of lines) is flattened one level, never recursively.
        lines: list[str] = []
        for item in value:
            if isinstance(item, list):
                lines.extend(str(x) for x in item if isinstance(x, str))
            elif isinstance(item, str):
                lines.append(item)
        return "\n".join(lines)
    return ""


def gitlab_local_includes(text: str, tree: Sequence[str]) -> tuple[list[str], bool]:
    """The committed files a .gitlab-ci.yml includes with `include: local` (globs too), and whether it
    also includes something credgate cannot read (another project, a remote URL, a template)."""
    doc = yaml_doc(text)
    if not isinstance(doc, dict):
        return [], False
    raw = doc.get("include")
    items = raw if isinstance(raw, list) else [raw] if raw else []
    local: list[str] = []
    other = False
    for item in items[:100]:
        target = item if isinstance(item, str) else item.get("local") if isinstance(item, dict) else None
        if not isinstance(target, str) or "://" in target:
            other = True
            continue
        pattern = target.lstrip("/")
        matched = [p for p in tree if fnmatch.fnmatchcase(p, pattern)] if "*" in pattern else [pattern]
        local.extend(p for p in matched if p in tree)
        other = other or not any(p in tree for p in matched)
    return list(dict.fromkeys(local)), other


def gitlab(
    path: str,
    text: str,
    hooks: HookConfig,
    result: CIResult,
    included: tuple[dict[str, str], bool] | None = None,
) -> None:
    doc = yaml_doc(text)
    if not isinstance(doc, dict):
        if "credgate" in text:
            result.rejected.append(f"{path}: not valid YAML, so credgate cannot tell what it runs")
        return
    unread_include = False
    if included is not None:
        # Included files' jobs and templates first; the main file's own keys win, as in GitLab.
        files, unread_include = included
        merged_doc: dict[Any, Any] = {}
        for inc_text in files.values():
            inc = yaml_doc(inc_text)
            if isinstance(inc, dict):
                merged_doc.update(inc)
            else:
                unread_include = True
        merged_doc.update(doc)
        doc = merged_doc
    default_section = doc.get("default")
    default: dict[Any, Any] = default_section if isinstance(default_section, dict) else {}
    top_before = doc.get("before_script", default.get("before_script"))
    found_any = False
    for name, job in doc.items():
        if not isinstance(name, str) or name in GITLAB_RESERVED or not isinstance(job, dict):
            continue
        label = f"{path} job {name}"
        if name.startswith("."):
            continue  # a hidden job is a template: it never runs by itself
        merged = dict(job)
        base = job.get("extends")
        for parent in [base] if isinstance(base, str) else base if isinstance(base, list) else []:
            template = doc.get(parent)
            if isinstance(template, dict):
                merged = {**template, **merged}
        # Every script line runs with errexit; after_script failures never fail a job.
        before = merged.get("before_script", top_before)
        script = _script_text(before) + "\n" + _script_text(merged.get("script"))
        sub, why = script_gate(script, pipefail=False)
        how = "credgate" if sub else ""
        variables = merged.get("variables", doc.get("variables"))
        if not how and pre_commit_gate(script, False, hooks, skip_from(variables)):
            how = "pre-commit"
        if not how:
            if why:
                result.rejected.append(f"{label}: {why}")
            elif "credgate" in name:
                result.rejected.append(f"{label}: named credgate, but runs no credgate scan")
            continue
        allow = merged.get("allow_failure")
        rules = merged.get("rules") if isinstance(merged.get("rules"), list) else []
        if allow is True or isinstance(allow, dict):
            result.rejected.append(f"{label}: `allow_failure`, so a failing scan does not fail the pipeline")
        elif merged.get("when") == "manual":
            result.rejected.append(f"{label}: `when: manual` runs only when someone starts it")
        elif rules and any(isinstance(r, dict) and r.get("allow_failure") is True for r in rules):
            result.rejected.append(f"{label}: a rule sets `allow_failure: true`")
        elif rules and all(isinstance(r, dict) and r.get("when") in ("never", "manual") for r in rules):
            result.rejected.append(f"{label}: its rules never run it automatically")
        else:
            result.runs.append({"path": path, "how": how, "job": name})
            found_any = True
    if not found_any and (unread_include or (included is None and doc.get("include"))):
        result.unknown.append(f"{path} (it includes configuration credgate cannot read)")


# ---------------------------------------------------------------- everything


def judge(
    texts: dict[str, str], gitlab_includes: dict[str, tuple[dict[str, str], bool]] | None = None
) -> CIResult:
    """texts: committed path -> content, for the CI files and .pre-commit-config.yaml;
    gitlab_includes: for a .gitlab-ci.yml, the local files it includes (None: not read)."""
    result = CIResult()
    hooks = pre_commit_config(texts.get(PRE_COMMIT_CONFIG, ""))
    for path in sorted(texts):
        if path == PRE_COMMIT_CONFIG:
            continue
        result.looked.append(path)
        if GITHUB.match(path):
            github(path, texts[path], hooks, result)
        elif GITLAB.match(path):
            gitlab(path, texts[path], hooks, result, (gitlab_includes or {}).get(path))
        elif UNREADABLE.match(path):
            result.unknown.append(path)
    if PRE_COMMIT_CONFIG in texts and hooks.has_ci:
        runs = [i for i in hooks.commit_ids if i not in hooks.skipped]
        if runs:
            result.runs.append({"path": PRE_COMMIT_CONFIG, "how": "pre-commit.ci", "job": ", ".join(runs)})
        elif hooks.ids:
            result.rejected.append(
                f"{PRE_COMMIT_CONFIG}: `ci: skip` leaves pre-commit.ci no credgate hook to run"
            )
    return result


def is_ci_file(path: str) -> bool:
    return bool(GITHUB.match(path) or GITLAB.match(path) or UNREADABLE.match(path))
