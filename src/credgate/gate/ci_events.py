"""Which range a CI event means: GitHub Actions, GitLab CI, a generic CI, and the default branch.

`detect` reads the CI's environment (and GitHub's event file) into a `CIRange`; `plan` turns it
into the commits to scan and the revision whose config, rules and baseline judge them. A range CI
cannot resolve (a clone too shallow to contain the base, an unknown event, no default branch) is
an error with this CI's own fix, never a pass. Names in messages are as the CI gives them: the
output escapes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping

from credgate import gitio
from credgate.errors import UsageError
from credgate.gate.range_refs import Range

ZERO = "0" * 40


@dataclass(frozen=True)
class CIRange:
    system: str  # "github", "gitlab" or "generic"
    kind: str  # "pull request", "merge request" or "push"
    base: str | None  # None: no usable base, so the commits not on the default branch
    head: str
    shallow_fix: str
    branch: str | None = None  # the branch the CI runs for, when it says (None: a tag, detached, unknown)
    default_branch: str | None = None  # as the CI (or the user) names it
    created: bool = False  # a push that created the ref
    push_event: bool | None = None  # True: a push; False: a schedule, manual run...; None: unknown
    deleted: bool = False  # a push that deletes the ref: it adds nothing


def _is_zero(sha: str | None) -> bool:
    return not sha or set(sha) == {"0"}


def _sha(pr: dict[str, object], side: str) -> str:
    part = pr.get(side)
    return str(part.get("sha", "")) if isinstance(part, dict) else ""


def _branch_of(ref: str | None) -> str | None:
    return ref[len("refs/heads/") :] if ref and ref.startswith("refs/heads/") else None


def detect(
    env: Mapping[str, str],
    base: str | None = None,
    head: str | None = None,
    default_branch: str | None = None,
) -> CIRange:
    """Which CI this is and which commits it asks about; explicit --base/--head win."""
    default_branch = default_branch or env.get("CREDGATE_DEFAULT_BRANCH") or None
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env, base, head, default_branch)
    if env.get("GITLAB_CI") == "true":
        fix = "fetch full history: set `GIT_DEPTH: 0` in the job's variables"
        gl_head = head or env.get("CI_COMMIT_SHA") or ""
        gl_default = default_branch or env.get("CI_DEFAULT_BRANCH") or None
        mr_base = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        if mr_base:
            branch = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or None
            return CIRange("gitlab", "merge request", base or mr_base, gl_head, fix, branch, gl_default)
        gl_before = env.get("CI_COMMIT_BEFORE_SHA")
        source = env.get("CI_PIPELINE_SOURCE")
        push = None if not source else source == "push"
        # GitLab sends zeros for a new branch, and also for a scheduled or manual pipeline.
        created = bool(push and _is_zero(gl_before))
        gl_base = base or (None if _is_zero(gl_before) else gl_before)
        gl_branch = env.get("CI_COMMIT_BRANCH") or None
        return CIRange("gitlab", "push", gl_base, gl_head, fix, gl_branch, gl_default, created, push)
    generic_base = base or env.get("CREDGATE_BASE")
    if not generic_base and not env.get("CI"):
        raise UsageError(
            "no CI system detected and no base given",
            "run inside GitHub Actions or GitLab CI, or pass --base REF (and --head REF)",
        )
    generic_head = head or env.get("CREDGATE_HEAD") or "HEAD"
    fix = "fetch full history (git fetch --unshallow) before running credgate"
    return CIRange("generic", "push", generic_base, generic_head, fix, default_branch=default_branch)


def _github(
    env: Mapping[str, str], base: str | None, head: str | None, default_branch: str | None
) -> CIRange:
    fix = "check out full history: actions/checkout with `fetch-depth: 0`"
    event: dict[str, object] = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                event = json.load(fh)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the GitHub event file {path}: {exc}") from None
    if not isinstance(event, dict):
        raise UsageError(f"the GitHub event file {path or ''} is not a JSON object")
    repo = event.get("repository")
    if not default_branch and isinstance(repo, dict) and isinstance(repo.get("default_branch"), str):
        default_branch = repo["default_branch"]
    fallback_head = env.get("GITHUB_SHA") or ""
    pr = event.get("pull_request")
    if isinstance(pr, dict):
        pr_head = head or _sha(pr, "head") or fallback_head
        head_part = pr.get("head")
        branch = str(head_part.get("ref", "")) or None if isinstance(head_part, dict) else None
        return CIRange(
            "github", "pull request", base or _sha(pr, "base"), pr_head, fix, branch, default_branch
        )
    group = event.get("merge_group")
    if isinstance(group, dict):
        mg_base, mg_head = str(group.get("base_sha") or ""), str(group.get("head_sha") or "")
        return CIRange(
            "github",
            "merge queue",
            base or mg_base,
            head or mg_head or fallback_head,
            fix,
            None,
            default_branch,
        )
    before = str(event.get("before") or "")
    after = head or str(event.get("after") or "") or fallback_head
    ref = str(event.get("ref") or env.get("GITHUB_REF") or "")
    name = env.get("GITHUB_EVENT_NAME")
    push = None if not name else name == "push"
    created = bool(event.get("created")) or (bool(push) and _is_zero(before) and "before" in event)
    gh_base = base or (None if _is_zero(before) else before)
    deleted = bool(event.get("deleted")) and _is_zero(after) and not head
    return CIRange(
        "github", "push", gh_base, after, fix, _branch_of(ref), default_branch, created, push, deleted
    )


@dataclass(frozen=True)
class DefaultBranch:
    name: str
    refs: tuple[str, ...]  # its refs in this clone (remote-tracking first)
    sha: str  # what the first of them points at


def default_branch(hint: str | None, shallow_fix: str, cwd: str | None = None) -> DefaultBranch:
    """The default branch: the CI's (or user's) name, else origin/HEAD, else main or master.

    Only its refs are excluded: in CI the pushed branch is itself a remote-tracking ref, so
    "whatever no remote branch has" would be nothing at all.
    """
    name = hint.removeprefix("refs/heads/") if hint else None
    how = "named by the CI" if hint else ""
    if not name:
        target = gitio.symbolic_ref("refs/remotes/origin/HEAD", cwd)
        if target and target.startswith("refs/remotes/origin/"):
            name, how = target[len("refs/remotes/origin/") :], "origin/HEAD"
    if not name:
        for candidate in ("main", "master"):
            if gitio.refs_matching([f"refs/remotes/origin/{candidate}", f"refs/heads/{candidate}"], cwd):
                name, how = candidate, f"no origin/HEAD; {candidate} exists"
                break
    if not name:
        raise UsageError(
            "there is no base to scan from, and the default branch cannot be resolved "
            "(no CI default-branch variable, no origin/HEAD, no main or master), so the commits this "
            "change adds are unknown",
            "pass --default-branch NAME (or set CREDGATE_DEFAULT_BRANCH), run "
            "`git remote set-head origin --auto`, or pass --base REF",
        )
    wanted = [f"refs/remotes/origin/{name}", f"refs/heads/{name}"]
    found = dict(gitio.refs_matching(wanted, cwd))
    refs = tuple(r for r in wanted if r in found)
    if not refs:
        raise UsageError(
            f"the default branch {name} ({how}) is not in this clone, so the commits not on it "
            "cannot be told apart",
            f"fetch it (git fetch origin {name}:refs/remotes/origin/{name}); {shallow_fix}",
        )
    return DefaultBranch(name, refs, found[refs[0]])


@dataclass
class Plan:
    rng: Range
    gate_rev: str | None  # the revision whose config, rules and baseline judge the change
    compare_rev: str | None  # what the change's edits to those files are compared with


def plan(ci: CIRange, cwd: str | None = None) -> Plan:
    """The commits to scan and the revision whose rules apply."""
    head = gitio.resolve_commit(ci.head, cwd)
    if head is None:
        raise UsageError(f"{ci.system}: head commit {ci.head} is not in this clone", ci.shallow_fix)
    if ci.base is not None:
        base = gitio.resolve_commit(ci.base, cwd)
        if base is not None:
            # Everything the head has that the base does not: a PR that merged main in
            # does not re-flag main's own history.
            rng = Range(head, (f"^{base}",), f"{ci.kind} {base[:12]}..{head[:12]}")
            return Plan(rng, base, gitio.merge_base(base, head, cwd) or base)
        missing = UsageError(
            f"{ci.system} {ci.kind}: base commit {ci.base} is not in this clone, so the range "
            "cannot be computed (the clone is too shallow, or the base was force-pushed away)",
            ci.shallow_fix,
        )
        if ci.system == "generic" or ci.kind != "push" or (ci.branch and ci.branch == ci.default_branch):
            raise missing
        # A push whose `before` is gone (a force-push): judge everything not on the default branch.
        try:
            return _from_default(ci, head, cwd, f"before {ci.base[:12]} is not in this clone (a force-push?)")
        except UsageError:
            raise missing from None
    return _from_default(ci, head, cwd, "no base")


def _from_default(ci: CIRange, head: str, cwd: str | None, note: str) -> Plan:
    d = default_branch(ci.default_branch, ci.shallow_fix, cwd)
    contained = gitio.is_ancestor(head, d.sha, cwd)
    branch = ci.branch
    if branch is None and ci.system == "generic":
        branch = _branch_of(gitio.symbolic_ref("HEAD", cwd))  # a plain clone has its branch checked out
    on_default = branch == d.name if branch is not None else None
    if on_default or (on_default is None and contained and ci.system == "generic"):
        if ci.created:
            # The push created the default branch itself: the whole history is new.
            return Plan(Range(head, (), f"push that created {d.name} (whole history)"), None, None)
        if ci.push_event is False and contained:
            label = f"run on the default branch {d.name}, which brings no change (nothing new to scan)"
            return Plan(Range(head, (), label, commits=()), d.sha, None)
        raise UsageError(
            f"{ci.system}: HEAD is on the default branch {d.name} and there is no base, so the "
            "commits this run should judge are unknown",
            "pass --base REF (the commit before the push, e.g. the CI's previous-commit variable), "
            "or scan the whole history with `credgate history`",
        )
    label = f"{ci.kind} ({note}: commits not on the default branch {d.name})"
    excl = tuple(f"^{r}" for r in d.refs)
    return Plan(Range(head, excl, label), d.sha, gitio.merge_base(d.sha, head, cwd) or d.sha)
