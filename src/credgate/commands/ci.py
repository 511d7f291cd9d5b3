"""`credgate ci`: the gate `--no-verify` cannot skip, with the range CI implies.

Detects GitHub Actions, GitLab CI or a generic CI from their environment and
scans the commits the pull/merge request or push adds, with the same rules,
config and output as the hooks. A range CI cannot resolve (a clone too shallow
to contain the base, an unknown event) is an error with the fix, never a pass.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Mapping, TextIO

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands._common import apply_baseline, build_scanner, emit, scan_options
from credgate.commands.scan_range import Range, scan_ranges
from credgate.errors import InternalError, UsageError
from credgate.report import Report, Stats, safe

ZERO = "0" * 40


@dataclass(frozen=True)
class CIRange:
    system: str  # "github", "gitlab" or "generic"
    kind: str  # "pull request", "merge request" or "push"
    base: str | None  # None: everything no remote-tracking branch has
    head: str
    shallow_fix: str


def _is_zero(sha: str | None) -> bool:
    return not sha or set(sha) == {"0"}


def _sha(pr: dict[str, object], side: str) -> str:
    part = pr.get(side)
    return str(part.get("sha", "")) if isinstance(part, dict) else ""


def detect(env: Mapping[str, str], base: str | None = None, head: str | None = None) -> CIRange:
    """Which CI this is and which commits it asks about; explicit --base/--head win."""
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env, base, head)
    if env.get("GITLAB_CI") == "true":
        fix = "fetch full history: set `GIT_DEPTH: 0` in the job's variables"
        gl_head = head or env.get("CI_COMMIT_SHA") or ""
        mr_base = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        if mr_base:
            return CIRange("gitlab", "merge request", base or mr_base, gl_head, fix)
        gl_before = env.get("CI_COMMIT_BEFORE_SHA")
        return CIRange("gitlab", "push", base or (None if _is_zero(gl_before) else gl_before), gl_head, fix)
    generic_base = base or env.get("CREDGATE_BASE")
    if not generic_base and not env.get("CI"):
        raise UsageError(
            "no CI system detected and no base given",
            "run inside GitHub Actions or GitLab CI, or pass --base REF (and --head REF)",
        )
    generic_head = head or env.get("CREDGATE_HEAD") or "HEAD"
    fix = "fetch full history (git fetch --unshallow) before running credgate"
    return CIRange("generic", "push", generic_base, generic_head, fix)


def _github(env: Mapping[str, str], base: str | None, head: str | None) -> CIRange:
    fix = "check out full history: actions/checkout with `fetch-depth: 0`"
    event: dict[str, object] = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                event = json.load(fh)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the GitHub event file {safe(path)}: {exc}") from None
    fallback_head = env.get("GITHUB_SHA") or ""
    pr = event.get("pull_request")
    if isinstance(pr, dict):
        pr_head = head or _sha(pr, "head") or fallback_head
        return CIRange("github", "pull request", base or _sha(pr, "base"), pr_head, fix)
    before = str(event.get("before") or "")
    after = head or str(event.get("after") or "") or fallback_head
    return CIRange("github", "push", base or (None if _is_zero(before) else before), after, fix)


def run(
    *,
    base: str | None = None,
    head: str | None = None,
    env: Mapping[str, str] | None = None,
    fmt: str = "text",
    verbose: bool = False,
    config_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    env = os.environ if env is None else env
    ci = detect(env, base, head)
    if not ci.head:
        raise UsageError(f"{ci.system}: the commit to scan is unknown", "pass --head REF")
    top = gitio.toplevel()
    cfg = config_mod.find(top, config_path)
    if not gitio.commit_exists(ci.head):
        raise UsageError(f"{ci.system}: head commit {safe(ci.head)} is not in this clone", ci.shallow_fix)
    if ci.base is None:
        rng = Range(ci.head, ("--not", "--remotes"), f"{ci.kind} (commits on no remote branch)")
    else:
        if not gitio.commit_exists(ci.base):
            raise UsageError(
                f"{ci.system} {ci.kind}: base commit {safe(ci.base)} is not in this clone, so the range "
                "cannot be computed (the clone is too shallow, or the base was force-pushed away)",
                ci.shallow_fix,
            )
        # Everything the head has that the base does not: a PR that merged main in
        # does not re-flag main's own history.
        rng = Range(ci.head, (f"^{ci.base}",), f"{ci.kind} {ci.base[:12]}..{ci.head[:12]}")
    scanner = build_scanner(cfg)
    stats = Stats()
    try:
        findings = scan_ranges(scanner, [rng], cfg.max_file_size, stats)
    except gitio.GitCommandError as exc:
        raise InternalError(
            f"could not read the commits of the {ci.kind}: {exc.message}", ci.shallow_fix
        ) from None
    findings = [f for f in findings if not cfg.is_excluded(f.path)]
    if verbose and err is not None:
        print(f"credgate: {ci.system} {ci.kind}: scanning {rng.label}", file=err)
    report = Report(
        f"commits in the {rng.label}",
        findings,
        stats,
        kind="range",
        max_size=cfg.max_file_size,
        base=ci.base or "",
    )
    return emit(apply_baseline(report, cfg), fmt, verbose, out, err)


@click.command("ci")
@click.option("--base", help="Base commit (default: from the CI's environment).")
@click.option("--head", help="Head commit (default: from the CI's environment).")
@scan_options
@click.pass_context
def command(
    ctx: click.Context, base: str | None, head: str | None, fmt: str, verbose: bool, config_path: str | None
) -> None:
    """Scan the commits a pull request or push adds, as detected from CI's environment."""
    ctx.exit(run(base=base, head=head, fmt=fmt, verbose=verbose, config_path=config_path))
