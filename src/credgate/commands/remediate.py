"""`credgate remediate`: the incident's playbook as a plan, or applied with `--apply`.

Rotate first (a rewrite does not unpublish anything), back up, rewrite with
git-filter-repo, verify by rescanning, then force-push. One rewrite does it all:
files that are credentials by name (the definition the `credgate-files` gate
uses) leave history whole with `--invert-paths`, and every value found is
replaced everywhere else with `--replace-text`, so a key pasted both into
`.env.master` and into a Markdown guide is gone from both in one run.

The expressions file is the one place a secret must be written: it is created
owner-only, inside the git directory, and deleted whatever happens. Backups go
under an owner-only directory of the git directory. Works in a bare or mirror
clone (`git clone --mirror`, rewrite, `git push --force --mirror`), where no
index is needed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import TextIO

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands import files as files_cmd
from credgate.commands.history import ALL_REFS, Introduced, credential_file, introductions, load_config
from credgate.errors import CLEAN, FINDINGS, InternalError, UsageError
from credgate.report import Stats, redact_message, safe

REPLACEMENT = b"***REMOVED-by-credgate***"
BACKUP_REF_PREFIX = "refs/credgate-backup/"
BACKUP_DIR = "credgate-backup"  # inside the git directory, mode 700


def _secrets_in(revs: tuple[str, ...], cfg: config_mod.Config) -> list[Introduced]:
    """Each distinct secret on the given refs, at the commit that introduced it, with every path."""
    return introductions(cfg, revs, " ".join(revs), Stats())


def expressions(secrets: list[bytes]) -> bytes:
    """git-filter-repo --replace-text lines. A multi-line secret (a private key) becomes a regex that
    matches it with LF or CRLF line ends; a value holding `==>` (filter-repo's separator) too."""
    lines = []
    for value in sorted(set(secrets)):
        if b"\n" in value or b"\r" in value or b"==>" in value:
            parts = [re.escape(part.rstrip(b"\r")) for part in value.split(b"\n")]
            # re.escape leaves `=` and `>` alone: escape `>` so the separator never appears in the pattern.
            pattern = rb"\r?\n".join(parts).replace(b">", rb"\>")
            lines.append(b"regex:" + pattern + b"==>" + REPLACEMENT)
        else:
            lines.append(b"literal:" + value + b"==>" + REPLACEMENT)
    return b"\n".join(lines) + b"\n"


def write_private(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@dataclass
class Purge:
    """What one rewrite removes: whole credential files, and every value found, everywhere."""

    secrets: list[Introduced]
    files: list[str]  # credential files by name: --invert-paths
    values: list[bytes]  # every secret found: --replace-text in every other file
    value_paths: list[str] = field(default_factory=list)  # files that keep their history, values replaced


def purge_for(secrets: list[Introduced], extra_files: list[str], cfg: config_mod.Config) -> Purge:
    classifier = files_cmd.Classifier(cfg)
    rules_by_path: dict[str, set[str]] = {}
    for s in secrets:
        for p in s.paths:
            rules_by_path.setdefault(p, set()).add(s.finding.rule_id)
    files = sorted({p for p, rules in rules_by_path.items() if credential_file(p, classifier, rules)})
    files = sorted(set(files) | set(extra_files))
    value_paths = sorted(p for p in rules_by_path if p not in files)
    values = sorted({s.finding.secret for s in secrets})
    return Purge(secrets, files, values, value_paths)


def credential_files_in_history(cfg: config_mod.Config, cwd: str | None = None) -> list[str]:
    """Credential files by name that any ref (not credgate's backups) still reaches, with or without a
    secret the rules recognise: the audit's history check lists them, so the rewrite removes them too."""
    classifier = files_cmd.Classifier(cfg)

    def is_credential(raw: bytes) -> bool:
        path = os.fsdecode(raw)
        hit = classifier.by_name(path.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        return hit is not None and not hit.by_content and not cfg.is_excluded(path)

    seen = gitio.path_history(is_credential, cwd=cwd, refs=ALL_REFS)
    return sorted(os.fsdecode(p) for p in seen)


def _q(text: str) -> str:
    return shlex.quote(safe(text))


def plan(purge: Purge, layout: gitio.Layout, stamp: str) -> list[tuple[str, list[str]]]:
    """The playbook as numbered steps, each with its detail lines."""
    steps: list[tuple[str, list[str]]] = []
    rotate = []
    for s in purge.secrets:
        f = s.finding
        where = ", ".join(safe(p) for p in s.paths)
        rotate.append(
            f"{f.rule_id} {f.redacted()} (in {where}; introduced in commit {f.commit[:12]}): {safe(f.hint)}"
        )
    if not rotate:
        rotate.append(
            "credgate recognised no secret value in " + ", ".join(safe(p) for p in purge.files) + "; rotate "
            "any credential they held all the same"
        )
    steps.append(("Rotate first. Rewriting history does not unpublish anything that was pushed:", rotate))
    backup_dir = os.path.join(layout.git_dir, BACKUP_DIR, stamp)
    backup = [
        f"git bundle create {_q(os.path.join(backup_dir, 'all.bundle'))} --all  "
        "(mode 600, in a mode 700 directory)"
    ]
    if layout.work_tree is None:
        backup.append(
            "No backup refs in a bare or mirror repository: `git push --mirror` would publish them with the "
            "old history."
        )
    else:
        backup.append(f"and refs under {BACKUP_REF_PREFIX}{stamp}/ (history scans and the audit skip them)")
    steps.append(("Back up:", backup))
    cmd = ["git", "filter-repo", "--force", "--refs", "<every ref but credgate's backups>"]
    if purge.files:
        cmd += ["--invert-paths"] + [a for p in purge.files for a in ("--path", p)]
    rewrite = []
    if purge.files:
        rewrite.append(
            "credential files leave history whole (--invert-paths): "
            + ", ".join(safe(p) for p in purge.files)
        )
    if purge.values:
        rewrite.append(
            f"each of the {len(purge.values)} value(s) becomes {REPLACEMENT.decode()} (--replace-text, and "
            "--replace-message for commit messages)"
            + (" in " + ", ".join(safe(p) for p in purge.value_paths) if purge.value_paths else "")
            + " and wherever else it appears"
        )
        rewrite.append(
            "`credgate remediate --apply` writes the expressions file owner-only and deletes it afterwards; "
            "`--write-expressions FILE` writes it for you to run the rewrite yourself."
        )
    shown = " ".join(shlex.quote(safe(c)) if not c.startswith("<") else c for c in cmd)
    if purge.values:
        shown += " --replace-text <expressions file> --replace-message <expressions file>"
    steps.append(("Rewrite, in one run: " + shown, rewrite))
    steps.append(
        ("Verify: credgate history  (must report nothing on any ref; credgate's backup refs are skipped)", [])
    )
    if layout.work_tree is None:
        publish = "git push --force --mirror"
    else:
        publish = "git push --force --all && git push --force --tags"
    steps.append((f"Publish: {publish}", []))
    steps.append(
        (
            "Tell every collaborator to re-clone (an old clone still holds the secrets and can push them "
            "back), and ask the host to drop cached views and pull-request refs.",
            [],
        )
    )
    steps.append(
        (
            "Keep it from happening again, in your working clone: credgate check-gitignore --fix (commit "
            ".gitignore), then install both hook types: credgate install-hooks (pre-commit and pre-push), "
            "or with the framework: pre-commit install --hook-type pre-commit --hook-type pre-push",
            [],
        )
    )
    return steps


def print_plan(steps: list[tuple[str, list[str]]], out: TextIO) -> None:
    for i, (title, details) in enumerate(steps, 1):
        print(f"{i}. {title}", file=out)
        for line in details:
            print(f"   - {line}", file=out)


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
    layout = gitio.layout()
    cfg = load_config(config_path)
    secrets = _secrets_in(ALL_REFS, cfg)
    files = credential_files_in_history(cfg)
    if not secrets and not files:
        print("credgate: no secrets in the history of any ref: nothing to remediate", file=out)
        return CLEAN
    purge = purge_for(secrets, files, cfg)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if write_expressions:
        write_private(write_expressions, expressions(purge.values))
        print(f"credgate: wrote {safe(write_expressions)} (mode 600); delete it after the rewrite", file=err)
    if not apply:
        what = f"{len(secrets)} secret(s)"
        if files:
            what += f" and {len(files)} credential file(s)"
        print(f"credgate: {what} in history. The plan:\n", file=out)
        print_plan(plan(purge, layout, stamp), out)
        print("\nRun `credgate remediate --apply` to back up, rewrite and verify (not publish).", file=out)
        return FINDINGS
    return _apply(purge, cfg, layout, stamp, out)


def _preflight(layout: gitio.Layout) -> str:
    """Everything that can stop a rewrite is checked before anything is written."""
    exe = gitio.filter_repo_exe()
    if exe is None:
        raise UsageError(
            "git-filter-repo is not installed; nothing was changed",
            "pip install git-filter-repo (the remediate extra of credgate), then run again",
        )
    if not gitio.filter_repo_works(exe):
        raise UsageError(
            f"{safe(exe)} does not run (`--version` failed); nothing was changed",
            "reinstall it: pip install --force-reinstall git-filter-repo",
        )
    busy = gitio.operation_in_progress(layout.git_dir)
    if busy:
        raise UsageError(
            f"{busy} is in progress; a history rewrite now would lose it. Nothing was changed",
            "finish or abort it, then run again",
        )
    if layout.work_tree is not None and gitio.work_tree_dirty(layout.work_tree):
        raise UsageError(
            "the work tree has uncommitted changes; a history rewrite would discard them "
            "(nothing was changed)",
            "commit or stash them, then run again",
        )
    if "refs/stash" in gitio.rewritable_refs(BACKUP_REF_PREFIX, layout.git_dir):
        # Stashes live in refs/stash's reflog: a rewrite cannot carry them over, and each one keeps
        # commits from before it.
        raise UsageError(
            "there are stashed changes; they would keep the old history (and the rewrite cannot carry them "
            "over). Nothing was changed",
            "apply or drop them first (git stash list; git stash pop, or git stash clear), then run again",
        )
    if not gitio.rewritable_refs(BACKUP_REF_PREFIX, layout.git_dir):
        raise UsageError("no refs to rewrite", "run it in the repository whose history holds the secrets")
    return exe


def _backup(layout: gitio.Layout, targets: list[str], stamp: str) -> tuple[str, str | None]:
    """A bundle of every ref (owner-only) and, in a clone with a work tree, backup refs."""
    parent = os.path.join(layout.git_dir, BACKUP_DIR)
    os.makedirs(parent, mode=0o700, exist_ok=True)
    os.chmod(parent, 0o700)  # an existing directory from an older run is tightened too
    target_dir = os.path.join(parent, stamp)
    os.mkdir(target_dir, 0o700)
    bundle = os.path.join(target_dir, "all.bundle")
    gitio.bundle_all(bundle, layout.git_dir)
    os.chmod(bundle, stat.S_IRUSR | stat.S_IWUSR)
    if layout.work_tree is None:
        return bundle, None  # `git push --mirror` would publish backup refs: the bundle is the backup
    prefix = f"{BACKUP_REF_PREFIX}{stamp}"
    gitio.backup_refs(targets, prefix, layout.git_dir)
    return bundle, prefix


def _apply(purge: Purge, cfg: config_mod.Config, layout: gitio.Layout, stamp: str, out: TextIO) -> int:
    exe = _preflight(layout)
    targets = gitio.rewritable_refs(BACKUP_REF_PREFIX, layout.git_dir)
    # A credential file on disk is the developer's live configuration (often with the new, rotated keys):
    # the rewrite drops it from HEAD, and with it from the work tree. It is put back untracked, in place,
    # rather than copied somewhere else: a second plaintext copy of secrets is one more thing to leak.
    keep: dict[str, tuple[bytes, int]] = {}
    if layout.work_tree is not None:
        for path in purge.files:
            full = os.path.join(layout.work_tree, path)
            if os.path.isfile(full) and not os.path.islink(full):
                with open(full, "rb") as fh:
                    keep[path] = (fh.read(), stat.S_IMODE(os.stat(full).st_mode))
    bundle, backup_prefix = _backup(layout, targets, stamp)
    args = ["--force", "--refs", *targets]
    if purge.files:
        args += ["--invert-paths"] + [a for p in purge.files for a in ("--path", p)]
    tmpdir = tempfile.mkdtemp(prefix="credgate-", dir=layout.git_dir)  # mkdtemp makes it mode 700
    try:
        if purge.values:
            expr = os.path.join(tmpdir, "expressions.txt")
            write_private(expr, expressions(purge.values))
            args += ["--replace-text", expr, "--replace-message", expr]
        try:
            gitio.run_filter_repo(exe, args, cwd=layout.work_tree or layout.git_dir)
        except gitio.GitCommandError as exc:
            raise InternalError(
                # Escaped before masking: a token-like run is cut where an escape begins, as always.
                f"git-filter-repo failed: {redact_message(safe(exc.message))}",
                f"nothing is lost: the backup is {safe(bundle)}"
                + (f" and {backup_prefix}/" if backup_prefix else "")
                + f"; to restore every ref: git fetch --force {_q(bundle)} 'refs/*:refs/*'",
            ) from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        restored = _restore(keep, layout.work_tree)
    print(f"credgate: backup: {safe(bundle)} (mode 600)", file=out)
    if backup_prefix:
        print(f"credgate: backup refs: {backup_prefix}/ (history scans and the audit skip them)", file=out)
    for path in restored:
        print(
            f"credgate: {safe(path)} is gone from history and kept on disk, untracked: make sure .gitignore "
            "covers it (credgate check-gitignore --fix)",
            file=out,
        )
    # Verify: every ref but the backups, rescanned with the same rules, and the removed files looked for.
    left = _secrets_in(ALL_REFS, cfg)
    files_left = [p for p in credential_files_in_history(cfg, layout.git_dir) if p in set(purge.files)]
    if left or files_left:
        print("credgate: the rewrite ran, but the history still holds:", file=out)
        for s in left:
            where = ", ".join(safe(p) for p in s.paths)
            encoded = (
                " (inside an encoded value: replace that value by hand)"
                if "inside " in s.finding.note
                else ""
            )
            print(f"   - {s.finding.rule_id} {s.finding.redacted()} in {where}{encoded}", file=out)
        for p in files_left:
            print(f"   - the credential file {safe(p)}", file=out)
        print(
            f"Restore with: git fetch --force {_q(bundle)} 'refs/*:refs/*'  (or run remediate again)",
            file=out,
        )
        return FINDINGS
    if layout.work_tree is not None:
        # The reflog still reaches the old commits; the backups above are the deliberate copy.
        gitio.expire_reflogs(targets, layout.git_dir)
        print("credgate: reflogs emptied (they named the old commits; the backups keep them)", file=out)
    gone = len(purge.secrets)
    print(
        f"credgate: verified: no secret remains on any ref ({gone} secret(s) and {len(purge.files)} "
        f"credential file(s) removed from {len(targets)} ref(s); credgate's backups skipped).",
        file=out,
    )
    publish = (
        "git push --force --mirror"
        if layout.work_tree is None
        else "git push --force --all && git push --force --tags"
    )
    print(f"Next: rotate (if not done), then publish: {publish}; have collaborators re-clone.", file=out)
    if any(t.startswith("refs/remotes/") for t in targets):
        print(
            "   Remote-tracking refs were rewritten too, so no ref here reaches the old commits. Push before "
            "you pull or fetch: a fetch brings the old history back until the remote has the new one.",
            file=out,
        )
    if layout.work_tree is None:
        print(
            "   A host may refuse refs it manages (GitHub's refs/pull/*): those copies are the host's to "
            "drop; ask its support, as the old commits stay reachable there.",
            file=out,
        )
    if backup_prefix:
        print(
            "Once the rewrite is pushed, delete the backups (they hold the old history): "
            f"git for-each-ref --format='delete %(refname)' {backup_prefix}/ | git update-ref --stdin "
            f"&& rm -r {_q(os.path.dirname(bundle))}",
            file=out,
        )
    else:
        print(f"Once the rewrite is pushed, delete the backup: rm -r {_q(os.path.dirname(bundle))}", file=out)
    return CLEAN


def _restore(keep: dict[str, tuple[bytes, int]], work_tree: str | None) -> list[str]:
    restored = []
    for path, (data, mode) in keep.items():
        assert work_tree is not None
        full = os.path.join(work_tree, path)
        if os.path.lexists(full):
            continue
        os.makedirs(os.path.dirname(full) or ".", exist_ok=True)
        fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        restored.append(path)
    return restored


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
