"""`credgate remediate`'s words: the numbered plan, and what `--apply` did and what it left."""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, TextIO

from credgate.gate.remediation import (
    BACKUP_REF_PREFIX,
    REPLACEMENT,
    Purge,
    Rewritten,
    Verified,
    backup_dir,
    path_args,
)
from credgate.output.escape import safe

if TYPE_CHECKING:  # the layout's type only: output never runs git
    from credgate import gitio


def _q(text: str) -> str:
    return shlex.quote(safe(text))


def _publish(layout: gitio.Layout) -> str:
    return (
        "git push --force --mirror"
        if layout.work_tree is None
        else "git push --force --all && git push --force --tags"
    )


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
    backup = [
        f"git bundle create {_q(os.path.join(backup_dir(layout, stamp), 'all.bundle'))} --all  "
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
    cmd += path_args(purge.files)
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
    steps.append((f"Publish: {_publish(layout)}", []))
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


def write_nothing(out: TextIO) -> None:
    print("credgate: no secrets in the history of any ref: nothing to remediate", file=out)


def write_expressions_written(path: str, err: TextIO) -> None:
    print(f"credgate: wrote {safe(path)} (mode 600); delete it after the rewrite", file=err)


def write_plan(purge: Purge, named: list[str], layout: gitio.Layout, stamp: str, out: TextIO) -> None:
    """The plan, headed by what is in history: the secrets, and the credential files by name any ref
    reaches (`named`: those the rules found a value in are counted as secrets)."""
    what = f"{len(purge.secrets)} secret(s)"
    if named:
        what += f" and {len(named)} credential file(s)"
    print(f"credgate: {what} in history. The plan:\n", file=out)
    print_plan(plan(purge, layout, stamp), out)
    print("\nRun `credgate remediate --apply` to back up, rewrite and verify (not publish).", file=out)


def write_rewritten(done: Rewritten, out: TextIO) -> None:
    print(f"credgate: backup: {safe(done.bundle)} (mode 600)", file=out)
    if done.backup_prefix:
        print(
            f"credgate: backup refs: {done.backup_prefix}/ (history scans and the audit skip them)", file=out
        )
    for path in done.restored:
        print(
            f"credgate: {safe(path)} is gone from history and kept on disk, untracked: make sure .gitignore "
            "covers it (credgate check-gitignore --fix)",
            file=out,
        )


def write_verified(
    purge: Purge, layout: gitio.Layout, done: Rewritten, result: Verified, out: TextIO
) -> None:
    if not result.clean:
        print("credgate: the rewrite ran, but the history still holds:", file=out)
        for s in result.secrets:
            where = ", ".join(safe(p) for p in s.paths)
            encoded = (
                " (inside an encoded value: replace that value by hand)"
                if "inside " in s.finding.note
                else ""
            )
            print(f"   - {s.finding.rule_id} {s.finding.redacted()} in {where}{encoded}", file=out)
        for p in result.files:
            print(f"   - the credential file {safe(p)}", file=out)
        print(
            f"Restore with: git fetch --force {_q(done.bundle)} 'refs/*:refs/*'  (or run remediate again)",
            file=out,
        )
        return
    if result.reflogs_expired:
        print("credgate: reflogs emptied (they named the old commits; the backups keep them)", file=out)
    print(
        f"credgate: verified: no secret remains on any ref ({len(purge.secrets)} secret(s) and "
        f"{len(purge.files)} credential file(s) removed from {len(done.targets)} ref(s); credgate's backups "
        "skipped).",
        file=out,
    )
    print(
        f"Next: rotate (if not done), then publish: {_publish(layout)}; have collaborators re-clone.",
        file=out,
    )
    if any(t.startswith("refs/remotes/") for t in done.targets):
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
    bundle_dir = _q(os.path.dirname(done.bundle))
    if done.backup_prefix:
        print(
            "Once the rewrite is pushed, delete the backups (they hold the old history): "
            f"git for-each-ref --format='delete %(refname)' {done.backup_prefix}/ | git update-ref --stdin "
            f"&& rm -r {bundle_dir}",
            file=out,
        )
    else:
        print(f"Once the rewrite is pushed, delete the backup: rm -r {bundle_dir}", file=out)
