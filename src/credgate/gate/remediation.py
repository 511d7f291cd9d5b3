"""The incident's playbook: what one history rewrite removes, and `--apply` (back up, rewrite, verify).

Rotate first (a rewrite does not unpublish anything), back up, rewrite with git-filter-repo, verify by
rescanning, then force-push. One rewrite does it all: files that are credentials by name (the definition
the `credgate-files` gate uses) leave history whole with `--invert-paths`, and every value found is
replaced everywhere else with `--replace-text`, so a key pasted both into `.env.master` and into a
Markdown guide is gone from both in one run.

The expressions file is the one place a secret must be written: it is created owner-only, inside the git
directory, and deleted whatever happens. Backups go under an owner-only directory of the git directory.
Works in a bare or mirror clone (`git clone --mirror`, rewrite, `git push --force --mirror`), where no
index is needed. The plan's and the results' wording is in `output.remediation`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import tempfile
from dataclasses import dataclass, field

from credgate import config as config_mod
from credgate import gitio
from credgate.errors import InternalError, UsageError, redact
from credgate.gate import credential_files as files_cmd
from credgate.gate.credential_files import credential_file
from credgate.gate.history import ALL_REFS, Introduced, introductions
from credgate.gate.report import Stats

REPLACEMENT = b"***REMOVED-by-credgate***"
BACKUP_REF_PREFIX = "refs/credgate-backup/"
BACKUP_DIR = "credgate-backup"  # inside the git directory, mode 700


def secrets_in(revs: tuple[str, ...], cfg: config_mod.Config) -> list[Introduced]:
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


def path_args(files: list[str]) -> list[str]:
    """git-filter-repo's arguments that drop the credential files whole."""
    return ["--invert-paths"] + [a for p in files for a in ("--path", p)] if files else []


def backup_dir(layout: gitio.Layout, stamp: str) -> str:
    return os.path.join(layout.git_dir, BACKUP_DIR, stamp)


def preflight(layout: gitio.Layout) -> str:
    """Everything that can stop a rewrite is checked before anything is written: git-filter-repo's path."""
    exe = gitio.filter_repo_exe()
    if exe is None:
        raise UsageError(
            "git-filter-repo is not installed; nothing was changed",
            "pip install git-filter-repo (the remediate extra of credgate), then run again",
        )
    if not gitio.filter_repo_works(exe):
        raise UsageError(
            f"{exe} does not run (`--version` failed); nothing was changed",
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


@dataclass
class Rewritten:
    """What `--apply` did: the refs rewritten, where the backups are, which files were put back on disk."""

    targets: list[str]
    bundle: str
    backup_prefix: str | None
    restored: list[str]


def rewrite(purge: Purge, layout: gitio.Layout, stamp: str, exe: str) -> Rewritten:
    """Back up, then rewrite every ref but the backups in one git-filter-repo run (after `preflight`)."""
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
    args = ["--force", "--refs", *targets] + path_args(purge.files)
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
                f"git-filter-repo failed: {redact(exc.message)}",
                f"nothing is lost: the backup is {bundle}"
                + (f" and {backup_prefix}/" if backup_prefix else "")
                + f"; to restore every ref: git fetch --force {shlex.quote(bundle)} 'refs/*:refs/*'",
            ) from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        restored = _restore(keep, layout.work_tree)
    return Rewritten(targets, bundle, backup_prefix, restored)


@dataclass
class Verified:
    """What a rescan after the rewrite still finds (nothing, when it worked)."""

    secrets: list[Introduced]
    files: list[str]  # credential files the rewrite was to remove
    reflogs_expired: bool = False

    @property
    def clean(self) -> bool:
        return not self.secrets and not self.files


def verify(purge: Purge, cfg: config_mod.Config, layout: gitio.Layout, done: Rewritten) -> Verified:
    """Every ref but the backups, rescanned with the same rules, and the removed files looked for. Once
    clean, the reflogs (which still name the old commits) are emptied: the backups are the deliberate copy."""
    left = secrets_in(ALL_REFS, cfg)
    removed = set(purge.files)
    files_left = [p for p in credential_files_in_history(cfg, layout.git_dir) if p in removed]
    result = Verified(left, files_left)
    if result.clean and layout.work_tree is not None:
        gitio.expire_reflogs(done.targets, layout.git_dir)
        result.reflogs_expired = True
    return result


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
