"""`credgate remediate`: the incident's playbook as a plan, or applied with `--apply`.

Rotate first (a rewrite does not unpublish anything), back up, rewrite with
git-filter-repo (whole credential files removed with `--invert-paths`, other
values replaced with `--replace-text`), verify by rescanning, then force-push.
The expressions file is the one place a secret must be written: it is created
owner-only, inside the git directory, and deleted whatever happens.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
import time
from typing import TextIO

import click

from credgate import config as config_mod
from credgate import gitio, policy
from credgate.commands.history import ALL_REFS, introductions
from credgate.commands.scan_range import in_message
from credgate.engine.finding import Finding
from credgate.errors import CLEAN, FINDINGS, UsageError
from credgate.report import Stats, safe

REPLACEMENT = b"***REMOVED***"


def _secrets_in(revs: tuple[str, ...], cfg: config_mod.Config) -> list[Finding]:
    """Each distinct secret on the given refs, at the commit that introduced it."""
    return [s.finding for s in introductions(cfg, revs, " ".join(revs), Stats())]


def whole_file(path: str, cfg: config_mod.Config) -> bool:
    """Credential files by name (.env.master, id_rsa, *.p12) go entirely; other files keep their history."""
    if policy.is_env_file(path):
        return True
    import pathspec

    by_name = [p.pattern for p in policy.protected_list(cfg.protect, cfg.unprotect) if not p.by_content]
    return bool(pathspec.GitIgnoreSpec.from_lines(by_name).match_file(path))


def expressions(findings: list[Finding]) -> bytes:
    """git-filter-repo --replace-text lines; multi-line secrets (keys) as an escaped regex."""
    import re

    lines = []
    for secret in sorted({f.secret for f in findings}):
        if b"\n" in secret or b"==>" in secret:
            lines.append(b"regex:" + re.escape(secret).replace(b"\n", b"\\n") + b"==>" + REPLACEMENT)
        else:
            lines.append(b"literal:" + secret + b"==>" + REPLACEMENT)
    return b"\n".join(lines) + b"\n"


def write_private(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def plan(findings: list[Finding], cfg: config_mod.Config, stamp: str) -> list[str]:
    files = sorted({f.path for f in findings if whole_file(f.path, cfg)})
    values = [f for f in findings if not whole_file(f.path, cfg)]
    steps = ["Rotate first. Rewriting history does not unpublish anything that was pushed:"]
    for f in findings:
        where = f"{safe(f.path)}:{f.line}, commit {f.commit[:12]}"
        steps.append(f"   - {f.rule_id} {f.redacted()} ({where}): {safe(f.hint)}")
    steps.append(
        f"Back up: git bundle create .git/credgate-backup-{stamp}.bundle --all  "
        f"(and refs under refs/credgate-backup/{stamp}/)"
    )
    cmd = ["git", "filter-repo", "--force", "--refs", "<every branch and tag>"]
    if files:
        cmd += ["--invert-paths"] + [a for p in files for a in ("--path", safe(p))]
    if values:
        cmd += ["--replace-text", "<expressions file>"]
    if any(in_message(f) for f in values):
        cmd += ["--replace-message", "<expressions file>"]  # --replace-text does not touch messages
    steps.append("Rewrite: " + " ".join(shlex.quote(c) if not c.startswith("<") else c for c in cmd))
    if values:
        steps.append(
            f"   The expressions file maps each of the {len({f.secret for f in values})} value(s) to "
            f"{REPLACEMENT.decode()}. `credgate remediate --apply` writes it owner-only and deletes it "
            "afterwards; `--write-expressions FILE` writes it for you to run the rewrite yourself."
        )
    steps.append("Verify: credgate history  (must report nothing on the rewritten branches and tags)")
    steps.append("Publish: git push --force --all && git push --force --tags")
    steps.append(
        "Tell every collaborator to re-clone (an old clone still holds the secrets and can push them back), "
        "and ask the host to drop cached views and pull-request refs."
    )
    steps.append("Then keep it from happening again: credgate check-gitignore --fix; pre-commit install.")
    return steps


def run(
    *,
    apply: bool = False,
    write_expressions: str | None = None,
    config_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    top = gitio.toplevel()
    cfg = config_mod.find(top, config_path)
    findings = _secrets_in(ALL_REFS, cfg)
    if not findings:
        print("credgate: no secrets in the history of any ref: nothing to remediate", file=out)
        return CLEAN
    stamp = time.strftime("%Y%m%d-%H%M%S")
    steps = plan(findings, cfg, stamp)
    if write_expressions:
        write_private(write_expressions, expressions([f for f in findings if not whole_file(f.path, cfg)]))
        print(f"credgate: wrote {safe(write_expressions)} (mode 600); delete it after the rewrite", file=err)
    if not apply:
        print(f"credgate: {len(findings)} secret(s) in history. The plan:\n", file=out)
        for i, step in enumerate(steps, 1):
            print(step if step.startswith("   ") else f"{i}. {step}", file=out)
        print("\nRun `credgate remediate --apply` to back up, rewrite and verify (not publish).", file=out)
        return FINDINGS
    return _apply(findings, cfg, top, stamp, out)


def _apply(findings: list[Finding], cfg: config_mod.Config, top: str, stamp: str, out: TextIO) -> int:
    if gitio.work_tree_dirty(top):
        raise UsageError(
            "the work tree has uncommitted changes; a history rewrite would discard them",
            "commit or stash them, then run again",
        )
    git_dir = gitio.git_path(".", top)
    targets = gitio.refs(["refs/heads", "refs/tags"], top)
    gitio.bundle_all(os.path.join(git_dir, f"credgate-backup-{stamp}.bundle"), top)
    gitio.backup_refs(targets, f"refs/credgate-backup/{stamp}", top)
    files = sorted({f.path for f in findings if whole_file(f.path, cfg)})
    # The work tree copies of files about to leave history are kept, outside the tree.
    saved = os.path.join(git_dir, f"credgate-backup-{stamp}-files")
    for path in files:
        if os.path.isfile(os.path.join(top, path)):
            os.makedirs(os.path.dirname(os.path.join(saved, path)), exist_ok=True)
            shutil.copy2(os.path.join(top, path), os.path.join(saved, path))
    args = ["--force", "--refs", *targets]
    if files:
        args += ["--invert-paths"] + [a for p in files for a in ("--path", p)]
    values = [f for f in findings if not whole_file(f.path, cfg)]
    tmpdir = tempfile.mkdtemp(prefix="credgate-", dir=git_dir)
    try:
        if values:
            expr = os.path.join(tmpdir, "expressions.txt")
            write_private(expr, expressions(values))
            args += ["--replace-text", expr]
            if any(in_message(f) for f in values):
                args += ["--replace-message", expr]
        gitio.filter_repo(args, cwd=top)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    remaining = {(f.rule_id, f.secret) for f in _secrets_in(("--branches", "--tags"), cfg)}
    left = [f for f in findings if (f.rule_id, f.secret) in remaining]
    print(
        f"credgate: backup: .git/credgate-backup-{stamp}.bundle and refs/credgate-backup/{stamp}/", file=out
    )
    if os.path.isdir(saved):
        print(f"credgate: work-tree copies of removed files: {safe(saved)}", file=out)
    if left:
        print(f"credgate: rewrite done, but {len(left)} secret(s) remain on branches or tags:", file=out)
        for f in left:
            print(f"   - {f.rule_id} {f.redacted()} in {safe(f.path)}", file=out)
        return FINDINGS
    print("credgate: verified: no secret remains on any branch or tag.", file=out)
    print(
        "Next: rotate (if not done), git push --force --all && git push --force --tags, have collaborators "
        "re-clone, then drop the backup: git for-each-ref --format='delete %(refname)' "
        f"refs/credgate-backup/{stamp} | git update-ref --stdin",
        file=out,
    )
    return CLEAN


@click.command("remediate")
@click.option("--apply", is_flag=True, help="Back up, rewrite history with git-filter-repo and verify.")
@click.option(
    "--write-expressions",
    type=click.Path(dir_okay=False),
    help="Write git-filter-repo's --replace-text file (mode 600) for a rewrite you run yourself.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use.")
@click.pass_context
def command(ctx: click.Context, apply: bool, write_expressions: str | None, config_path: str | None) -> None:
    """Plan (or --apply) the removal of secrets from history: rotate, back up, rewrite, verify."""
    ctx.exit(run(apply=apply, write_expressions=write_expressions, config_path=config_path))
