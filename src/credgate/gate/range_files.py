"""The credential-file gate for commits: what `credgate files` blocks in the index, the range gates
(scan-range, pre-push, pre-receive, `credgate ci`) block in every commit that adds it.

`git commit --no-verify` skips the files hook, and a `.env.production` holding a database host and a
word password, an `id_rsa`, a `release.JKS` or a `terraform.tfstate.1700000000.backup` has no
token-shaped value for the content rules to find. So each commit of a range is judged by the names it
adds (a new path, a rename's new name), with the files gate's own definition
(`files.Classifier.by_name`: the protected list, case and backup suffixes aside, dotenv directories
that are no virtualenv), adjusted by `protect` / `unprotect`
from the config the range is judged by (in CI and pre-receive, the base revision's). Names that are a
credential only by their content (`*.pem`, `.npmrc`) are left to the content rules, which also find
keystores, DER keys and Terraform state under any name. Templates (`.env.example`) are no credential
file: their values are scanned like any file's. Deletions pass: deleting the file is the fix. An edit of a
credential file the destination already has is left to the content rules (the file is there already;
`credgate audit` and `history` name it), as the files hook blocks it at commit time.
Paths in the findings' texts are as git gives them: the output escapes them for its format.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import replace
from typing import Sequence

from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.gate import credential_files as files_cmd

RULE_ID = "credential-file"
_VENV_CFG_MAX = 64 * 1024


class _CommitClassifier(files_cmd.Classifier):
    """The files gate's classifier, with a virtualenv judged by the commit's own pyvenv.cfg (never by
    the disk of whoever runs the gate: a server has none, a CI checkout is the pusher's)."""

    def __init__(self, cfg: config_mod.Config, cwd: str | None) -> None:
        super().__init__(cfg)
        self.commit = ""
        self.cwd = cwd
        self._venvs: dict[tuple[str, str], bool] = {}

    def is_venv(self, folder: str) -> bool:
        if not self.commit:
            return False  # no commit to read yet: the caller asks again with one
        key = (self.commit, folder)
        if key not in self._venvs:
            data = (
                gitio.file_at(self.commit, f"{folder}/pyvenv.cfg", self.cwd) if "\n" not in folder else None
            )
            self._venvs[key] = (
                data is not None and files_cmd._VENV_HOME.search(data[:_VENV_CFG_MAX]) is not None
            )
        return self._venvs[key]


def fix_hint(path: str, ignore_line: str) -> str:
    """The files gate's recovery steps, for a file that is already in a commit."""
    quoted = shlex.quote(path)
    keep_out = (
        f"add `{ignore_line}` to .gitignore (credgate check-gitignore --fix adds the standard lines)"
        if ignore_line
        else "add it to .gitignore"
    )
    return (
        f"Take it out of the commits that add it, keeping it on disk: git rm --cached -- {quoted}, then "
        "git commit --amend (or git rebase -i for an older commit); keep it out for good: "
        f"{keep_out}; rotate every credential it holds if any of these commits reached another clone or "
        f"remote; once pushed, purge it from history: git filter-repo --invert-paths --path {quoted}."
    )


def added_credential_files(
    revs_list: Sequence[tuple[Sequence[str], Sequence[str] | None]],
    cfg: config_mod.Config,
    cwd: str | None = None,
) -> list[Finding]:
    """One finding per credential file the commits add, at the oldest commit that adds it.

    `revs_list`: (git rev-list arguments, or an exact list of commits) per range. Paths the config
    excludes are left out, as the content scan leaves them out.
    """
    classifier = _CommitClassifier(cfg, cwd)
    oldest: dict[str, Finding] = {}
    seen: set[str] = set()
    for revs, commits in revs_list:
        for sha, added in gitio.commit_additions(revs, commits, cwd):
            if sha in seen:
                continue
            seen.add(sha)
            classifier.commit = sha
            for raw, mode, renamed_from in added:
                if mode == "160000":
                    continue  # a submodule is another repository
                path = os.fsdecode(raw)
                if cfg.is_excluded(path):
                    continue
                hit = classifier.by_name(files_cmd.matchable(path))
                if hit is None or hit.by_content:
                    continue  # the content rules judge these (private keys, keystores, .npmrc tokens)
                if renamed_from is not None and _named(classifier, os.fsdecode(renamed_from)):
                    continue  # moved from one credential name to another: it adds no file the remote lacks
                verdict = files_cmd.Verdict(path, hit.kind, "name", hit.why, hit.pattern, status="A")
                # git log is newest first: a later sighting is an older commit.
                oldest[path] = _finding(verdict, sha)
    return sorted(oldest.values(), key=lambda f: f.path)


def tree_tip_credential_files(
    tips: Sequence[tuple[str, str]], cfg: config_mod.Config, cwd: str | None = None
) -> list[Finding]:
    """Credential files by name in a tree pushed as a tip (a tag of a tree): git log sees no commit
    there, and the server would serve every file in it. `tips`: (object name, what to call it)."""
    classifier = _CommitClassifier(cfg, cwd)
    found = []
    for tip, name in tips:
        tree = gitio.peeled_tree(tip, cwd)
        if tree is None:
            continue
        classifier.commit = tree  # pyvenv.cfg is read from the tree itself
        for mode, _sha, raw in gitio.tree_blobs(tree, cwd):
            path = os.fsdecode(raw)
            if mode == "160000" or cfg.is_excluded(path):
                continue
            hit = classifier.by_name(files_cmd.matchable(path))
            if hit is None or hit.by_content:
                continue
            f = _finding(files_cmd.Verdict(path, hit.kind, "name", hit.why, hit.pattern), "")
            where = f"in tree {tree[:12]} pushed as {name}"
            found.append(replace(f, note=f"{f.note}; {where}" if f.note else where))
    return found


def _named(classifier: files_cmd.Classifier, path: str) -> bool:
    hit = classifier.by_name(files_cmd.matchable(path))
    return hit is not None and not hit.by_content


def _finding(v: files_cmd.Verdict, commit: str) -> Finding:
    note = f"matches `{v.pattern}`" if v.pattern else ""
    return Finding(
        rule_id=RULE_ID,
        rule_name=f"credential file committed ({v.kind}): {v.why}",
        severity="critical",
        confidence="high",
        path=v.path,
        line=1,
        col=1,
        end_line=1,
        hint=fix_hint(v.path, v.ignore_line),
        url="",
        secret=b"",  # the whole file is the problem, and nothing of it is shown
        note=note,
        commit=commit,
    )


def history_credential_files(
    cfg: config_mod.Config, refs: Sequence[str], cwd: str | None = None
) -> list[Finding]:
    """One finding per credential file (by name, as above) that any commit on refs ever added, at the
    oldest commit that added it: `credgate history` names them even when no value in them looks like a
    token, since the whole file is what has to leave history."""
    from datetime import datetime, timezone

    classifier = _CommitClassifier(cfg, cwd)

    def named(path: str) -> bool:
        hit = classifier.by_name(files_cmd.matchable(path))
        return hit is not None and not hit.by_content

    # Without a commit every dotenv-named directory counts; each is checked below at its own commit.
    seen = gitio.path_history(lambda p: named(os.fsdecode(p)), cwd=cwd, refs=refs)
    found = []
    for raw, h in sorted(seen.items()):
        path = os.fsdecode(raw)
        if cfg.is_excluded(path):
            continue
        classifier.commit = h.first_commit or h.last_commit
        hit = classifier.by_name(files_cmd.matchable(path))
        if hit is None or hit.by_content:
            continue  # a virtualenv's file, once the commit shows its pyvenv.cfg
        when = datetime.fromtimestamp(h.first_time or h.last_time, timezone.utc)
        state = "deleted since" if h.deleted else "still tracked"
        verdict = files_cmd.Verdict(path, hit.kind, "name", hit.why, hit.pattern)
        quoted = shlex.quote(path)
        untrack = (
            ""
            if h.deleted
            else f"untrack it (git rm --cached -- {quoted}) and add `{verdict.ignore_line}` to .gitignore; "
            if verdict.ignore_line
            else f"untrack it (git rm --cached -- {quoted}) and add it to .gitignore; "
        )
        f = _finding(verdict, classifier.commit)
        found.append(
            replace(
                f,
                rule_name=f"credential file in history ({hit.kind}): {hit.why}",
                note=f"added {when:%Y-%m-%d}; {state}" + (f"; {f.note}" if f.note else ""),
                hint=(
                    f"Rotate every credential it ever held first; {untrack}then purge it from every ref: "
                    f"credgate remediate (or git filter-repo --invert-paths --path {quoted}), force-push, "
                    "and have every clone re-clone."
                ),
            )
        )
    return found
