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
plain string operations, and YAML aliases are never walked recursively.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

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
# `incident`, `remediate` and `--version` gate nothing.
SCANS = frozenset({"ci", "scan-range", "secrets", "files", "scan", "history"})
GATE_EVENTS = frozenset({"push", "pull_request", "pull_request_target", "merge_group"})
GITLAB_RESERVED = frozenset(
    {"stages", "variables", "default", "include", "workflow", "image", "services", "before_script",
     "after_script", "cache", "pages"}
)  # fmt: skip
# The credgate hooks pre-commit.ci can run: it runs commit-stage hooks; credgate-range is pre-push only.
COMMIT_STAGES = frozenset({"pre-commit", "commit", "pre-merge-commit", "merge-commit"})
_MAX_LINES = 5000  # per script: a CI script is short; stop reading a hostile one early


@dataclass
class CIResult:
    runs: list[dict[str, str]] = field(default_factory=list)  # {"path", "how", "job"}
    rejected: list[str] = field(default_factory=list)  # why a credgate mention does not count
    unknown: list[str] = field(default_factory=list)  # CI files credgate cannot interpret
    looked: list[str] = field(default_factory=list)


def _yaml(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None  # deeply nested or malformed: reported as unreadable, never a traceback


# ---------------------------------------------------------------- shell


def _logical_lines(script: str) -> list[str]:
    """Lines of a shell script with comments dropped and backslash continuations joined."""
    out: list[str] = []
    pending = ""
    for raw in script.splitlines()[:_MAX_LINES]:
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        out.append(stripped)
    if pending.strip():
        out.append(pending.strip())
    return out


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


# Wrappers that run a command and pass its exit status on (`timeout 300 credgate ci`).
_VALUE_OPTIONS = frozenset({"-n", "-s", "-k", "-u", "--signal", "--kill-after", "--adjustment", "--unset"})
_WRAPPERS = {"env": 0, "exec": 0, "nice": 0, "time": 0, "command": 0, "timeout": 1, "xvfb-run": 0}


def _skip_prefix(words: list[str]) -> tuple[int, dict[str, str]]:
    """Index of the command word after `VAR=value` assignments and status-preserving wrappers."""
    i, assigned = 0, {}
    while i < len(words):
        word = words[i]
        if "=" in word and not word.startswith("-") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word):
            name, _, value = word.partition("=")
            assigned[name] = value
            i += 1
        elif word in _WRAPPERS:
            i += 1
            while i < len(words) and words[i].startswith("-"):
                # The wrapper's own options, and the value of those that take one (`nice -n 5`).
                i += 2 if words[i] in _VALUE_OPTIONS else 1
            i += _WRAPPERS[word]
        else:
            break
    return i, assigned


def _credgate_scan(words: list[str]) -> str | None:
    """The scanning subcommand when words run credgate (`credgate ci`, `python -m credgate files`)."""
    i, _ = _skip_prefix(words)
    if i >= len(words):
        return None
    word = words[i]
    if word in ("pipx", "uvx", "uv") and i + 1 < len(words):
        i += 2 if word in ("pipx", "uv") and words[i + 1] == "run" else 1
        word = words[i] if i < len(words) else ""
    if re.fullmatch(r"(?:.*/)?python[0-9.]*", word) and words[i + 1 : i + 3] == ["-m", "credgate"]:
        i += 2
    elif not re.fullmatch(r"(?:.*/)?credgate", word):
        return None
    args = words[i + 1 :]
    if {"--help", "-h", "--version"} & set(args):
        return None  # prints and exits 0: scans nothing
    rest = [w for w in args if not w.startswith("-")]
    return rest[0] if rest and rest[0] in SCANS else None


_SWALLOW = re.compile(r"\|\|")


def _segments(line: str) -> list[str]:
    """A line split on `&&` and `;` (not inside quotes: good enough for CI one-liners)."""
    parts = re.split(r"&&|;", line)
    return [p.strip() for p in parts if p.strip()]


def _weaker(reason: str) -> bool:
    """A reason that says less than one about a real scan whose failure is lost."""
    return (
        not reason or reason.startswith("credgate is installed") or "does not run a credgate scan" in reason
    )


def _better(old: str, new: str) -> str:
    return new if new and (not old or (_weaker(old) and not _weaker(new))) else old


def script_gate(script: str, pipefail: bool, errexit: bool = True) -> tuple[str | None, str]:
    """(the scanning subcommand, "") when the script runs a credgate scan whose failure fails the
    script, or (None, why) when credgate appears but its failure is swallowed or it never scans."""
    lines = _logical_lines(script)
    why = ""
    if not errexit and lines:
        # Without `set -e` only the last command's status is the step's: `credgate ci; true` passes.
        last = lines[-1]
        head, sep, _ = last.partition("||")
        segments = _segments(head)
        lines = [(segments[-1] if segments else head) + (" || swallowed" if sep else "")]
    for line in lines:
        if re.match(r"set\s+\+e\b", line):
            return None, "`set +e` lets a failing credgate step pass"
        if re.fullmatch(r"exit(\s+0)?", line):
            return None, why or "the script exits before credgate runs"
        if "pipefail" in line:
            pipefail = True
        if "credgate" not in line:
            continue
        if re.match(r"(if|while|until|!)\s", line) or " then " in f" {line} ":
            why = _better(why, f"`{line[:80]}`: credgate's exit status is tested, not enforced")
            continue
        head, _, _ = line.partition("||")
        if re.search(r"(?<![&>])&\s*$", head):
            why = _better(why, f"`{line[:80]}`: runs in the background, so its exit status is never checked")
            continue
        for seg in _segments(head):
            pipeline = seg.split("|")
            for n, stage in enumerate(pipeline):
                sub = _credgate_scan(_words(stage))
                if sub is None:
                    continue
                if _SWALLOW.search(line):
                    why = _better(why, f"`{line[:80]}`: `||` swallows credgate's failure")
                elif n < len(pipeline) - 1 and not pipefail:
                    why = _better(why, f"`{line[:80]}`: a pipe hides credgate's exit status (no pipefail)")
                else:
                    return sub, ""
        words = _words(line)
        if "install" in words and any(w.startswith("credgate") for w in words):
            why = _better(why, "credgate is installed but no credgate scan runs")
        else:
            why = _better(why, f"`{line[:80]}` mentions credgate but does not run a credgate scan")
    return None, why


# ---------------------------------------------------------------- pre-commit config


@dataclass
class HookConfig:
    ids: list[str]  # credgate hooks in the config (any stage)
    commit_ids: list[str]  # of those, the ones that run at commit stage (what pre-commit.ci runs)
    has_ci: bool
    skipped: set[str]


def pre_commit_config(text: str) -> HookConfig:
    doc = _yaml(text)
    ids: list[str] = []
    commit_ids: list[str] = []
    has_ci, skipped = False, set()
    if isinstance(doc, dict):
        default_stages = doc.get("default_stages")
        for repo in doc.get("repos") or []:
            if not isinstance(repo, dict):
                continue
            local = repo.get("repo") in ("local", "meta")
            for hook in repo.get("hooks") or []:
                if not isinstance(hook, dict):
                    continue
                hook_id = str(hook.get("id", ""))
                if not hook_id.startswith("credgate-"):
                    continue
                # A local hook is whatever its entry runs: a hook only named credgate-secrets gates nothing.
                if local and _credgate_scan(_words(str(hook.get("entry", "")))) is None:
                    continue
                ids.append(hook_id)
                stages = hook.get("stages") or default_stages
                if hook_id == "credgate-range" and not stages:
                    continue  # pre-push only (its manifest's stages)
                if not stages or COMMIT_STAGES & {str(s) for s in stages}:
                    commit_ids.append(hook_id)
        ci = doc.get("ci")
        if isinstance(ci, dict) or "ci" in doc:
            has_ci = True
            skip = ci.get("skip") if isinstance(ci, dict) else None
            if isinstance(skip, list):
                skipped = {str(s) for s in skip}
    return HookConfig(list(dict.fromkeys(ids)), list(dict.fromkeys(commit_ids)), has_ci, skipped)


def _runs_pre_commit(words: list[str], hooks: HookConfig, skip_env: set[str]) -> bool:
    """`pre-commit run [--all-files]` that runs at least one credgate commit-stage hook."""
    i, assigned = _skip_prefix(words)
    words = words[i:]
    j = 0
    if words[:1] and re.fullmatch(r"(?:.*/)?python[0-9.]*", words[0]) and words[1:3] == ["-m", "pre_commit"]:
        j = 2
    elif not (words[:1] and re.fullmatch(r"(?:.*/)?pre-commit", words[0])):
        return False
    args = words[j + 1 :]
    rest = [w for w in args if not w.startswith("-")]
    if not rest or rest[0] != "run":
        return False
    if any(a.startswith("--hook-stage") for a in args):
        return False  # another stage's hooks: not the commit-stage credgate hooks
    skipped = skip_env | {s.strip() for s in assigned.get("SKIP", "").split(",")}
    wanted = [h for h in hooks.commit_ids if h not in skipped]
    # `pre-commit run flake8` runs that one hook only.
    named = [w for w in rest[1:] if not w.startswith("-")]
    if named and "--files" not in args:
        wanted = [h for h in wanted if h in named[:1]]
    return bool(wanted)


def pre_commit_gate(script: str, pipefail: bool, hooks: HookConfig, skip_env: Iterable[str] = ()) -> bool:
    for line in _logical_lines(script):
        if "||" in line or re.match(r"(if|while|until|!)\s", line):
            continue
        for seg in _segments(line):
            stages = seg.split("|")
            if _runs_pre_commit(_words(stages[0]), hooks, set(skip_env)) and (len(stages) == 1 or pipefail):
                return True
    return False


def _skip_from(*envs: Any) -> set[str]:
    """pre-commit's SKIP variable, from a workflow's, job's or step's `env:`."""
    out: set[str] = set()
    for env in envs:
        if isinstance(env, dict) and isinstance(env.get("SKIP"), str):
            out |= {s.strip() for s in env["SKIP"].split(",")}
    return out


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
    doc = _yaml(text)
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
        found, why = _github_steps(steps, job, hooks, _skip_from(doc.get("env"), job.get("env")))
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
    words = ["pre-commit", "run", *(_words(extra) if extra else ["--all-files"])]
    return _runs_pre_commit(words, hooks, skip_env | _skip_from(step.get("env")))


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
            elif pre_commit_gate(run, default, hooks, skip_env | _skip_from(step.get("env"))):
                how = "pre-commit"
            elif reason:
                why = _better(why, reason)
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
    doc = _yaml(text)
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
    doc = _yaml(text)
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
            inc = _yaml(inc_text)
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
        if not how and pre_commit_gate(script, False, hooks, _skip_from(variables)):
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
