"""What a CI script or a pre-commit config runs: does a credgate scan run, and can its failure fail
the step? Part of `credgate audit`'s CI check (gate/ci_config.py judges the CI files with it).

A line that merely mentions credgate proves nothing: `credgate ci || true`, a pipe without
pipefail, `set +e`, a background `&`, an `if credgate ...` or `pip install credgate` with no scan
all let a secret through. Shell lines are split with plain string operations, a script is read up
to a bounded number of lines, and YAML aliases are never walked recursively.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Iterable

# credgate subcommands that scan and exit 1 on a finding; `install-hooks`, `rules`, `baseline`,
# `incident`, `remediate` and `--version` gate nothing.
SCANS = frozenset({"ci", "scan-range", "secrets", "files", "scan", "history"})
# The credgate hooks pre-commit.ci can run: it runs commit-stage hooks; credgate-range is pre-push only.
COMMIT_STAGES = frozenset({"pre-commit", "commit", "pre-merge-commit", "merge-commit"})
_MAX_LINES = 5000  # per script: a CI script is short; stop reading a hostile one early


def yaml_doc(text: str) -> Any:
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


def shell_words(command: str) -> list[str]:
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


def better(old: str, new: str) -> str:
    """The reason to keep: a new one wins over none, or over a weaker one."""
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
            why = better(why, f"`{line[:80]}`: credgate's exit status is tested, not enforced")
            continue
        head, _, _ = line.partition("||")
        if re.search(r"(?<![&>])&\s*$", head):
            why = better(why, f"`{line[:80]}`: runs in the background, so its exit status is never checked")
            continue
        for seg in _segments(head):
            pipeline = seg.split("|")
            for n, stage in enumerate(pipeline):
                sub = _credgate_scan(shell_words(stage))
                if sub is None:
                    continue
                if _SWALLOW.search(line):
                    why = better(why, f"`{line[:80]}`: `||` swallows credgate's failure")
                elif n < len(pipeline) - 1 and not pipefail:
                    why = better(why, f"`{line[:80]}`: a pipe hides credgate's exit status (no pipefail)")
                else:
                    return sub, ""
        words = shell_words(line)
        if "install" in words and any(w.startswith("credgate") for w in words):
            why = better(why, "credgate is installed but no credgate scan runs")
        else:
            why = better(why, f"`{line[:80]}` mentions credgate but does not run a credgate scan")
    return None, why


# ---------------------------------------------------------------- pre-commit config


@dataclass
class HookConfig:
    ids: list[str]  # credgate hooks in the config (any stage)
    commit_ids: list[str]  # of those, the ones that run at commit stage (what pre-commit.ci runs)
    has_ci: bool
    skipped: set[str]


def pre_commit_config(text: str) -> HookConfig:
    doc = yaml_doc(text)
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
                if local and _credgate_scan(shell_words(str(hook.get("entry", "")))) is None:
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


def runs_pre_commit(words: list[str], hooks: HookConfig, skip_env: set[str]) -> bool:
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
            if runs_pre_commit(shell_words(stages[0]), hooks, set(skip_env)) and (
                len(stages) == 1 or pipefail
            ):
                return True
    return False


def skip_from(*envs: Any) -> set[str]:
    """pre-commit's SKIP variable, from a workflow's, job's or step's `env:`."""
    out: set[str] = set()
    for env in envs:
        if isinstance(env, dict) and isinstance(env.get("SKIP"), str):
            out |= {s.strip() for s in env["SKIP"].split(",")}
    return out
