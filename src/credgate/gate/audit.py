"""The decisions of `credgate audit`: the questions every leak leaves behind, answered for one repository.

After `.env.master` leaked, nobody could say which env files had ever been
committed, whether `.gitignore` now covered them, or whether the "security gate"
ran anywhere. This command answers each with SAFE or UNSAFE and what to do:

1. tracked:   which credential files the index holds now (the `credgate files --tracked` check);
2. history:   which ever existed in a commit on any ref or only in the reflog, when they
              were added and last changed, and whether the adding commit is still reachable;
3. gitignore: whether `.gitignore` (not just a personal exclude) ignores every protected name;
4. hooks:     whether this clone runs a credgate gate on commit (and on push);
5. ci:        whether a committed CI configuration runs credgate.

Any UNSAFE answer is exit 1. `--skip` leaves a question out, for example `--skip hooks` in CI,
where no clone has hooks installed.

Checks 4 and 5 (does a gate run) are gate/audit_setup.py's; the text and JSON are output/audit.py's.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

from credgate import config as config_mod
from credgate import gitio
from credgate.gate import coverage, credential_files
from credgate.gate.credential_files import Classifier, Verdict
from credgate.output.escape import safe

CHECKS = ("tracked", "history", "gitignore", "hooks", "ci")
TITLES = {
    "tracked": "Credential files tracked now",
    "history": "Credential files anywhere in history (every ref and the reflog)",
    "gitignore": ".gitignore keeps credential files out, for everyone who clones",
    "hooks": "The gate runs on this clone (git hooks)",
    "ci": "The gate runs in CI",
}


@dataclass
class Check:
    name: str
    safe: bool | None  # None: skipped
    details: list[str] = field(default_factory=list)  # human lines (already escaped)
    fix: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # the JSON body (stable keys)
    unknown: bool = False  # credgate could not tell (a CI system it cannot read): never called SAFE

    @property
    def verdict(self) -> str:
        if self.unknown:
            return "UNKNOWN"
        return "SKIPPED" if self.safe is None else "SAFE" if self.safe else "UNSAFE"


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else ""


# ---------------------------------------------------------------- 1. tracked now


def check_tracked(state: gitio.RepoState, cfg: config_mod.Config, classifier: Classifier) -> Check:
    from credgate.output.files import describe, fix_steps, verdict_json  # the verdicts' own wording

    result = credential_files.check((), tracked=True, cfg=cfg, classifier=classifier, state=state)
    check = Check("tracked", not result.blocked)
    check.data = {"files": [verdict_json(v) for v in result.blocked], "checked": result.stats.files}
    for v in result.blocked:
        check.details.append(describe(v))
        for f in v.findings:
            check.details.append(f"    line {f.line}:{f.col}  {f.rule_id}  {f.redacted()}")
    for v in result.blocked:
        # The files gate points at `credgate audit` for where a file is in history: here that is check 2.
        steps = [
            step.replace("`credgate audit` shows where", "check 2 below shows where") for step in fix_steps(v)
        ]
        check.fix.extend(f"{safe(v.path)}: {step}" for step in steps)
    if not result.blocked:
        check.details.append(f"none of the {result.stats.files} tracked files is a credential file")
    return check


# ---------------------------------------------------------------- 2. history


# `credgate remediate --apply` keeps the pre-rewrite history under these refs on purpose: they are
# reported as backups to delete once the rewrite is pushed, never as a leak of their own.
BACKUP_REFS = "refs/credgate-backup/"
HISTORY_REFS = (f"--exclude={BACKUP_REFS}*", "--all", "--reflog")


@dataclass
class HistoryEntry:
    path: str
    kind: str
    pattern: str
    history: gitio.PathHistory
    refs: list[str]
    content_checked: bool = True  # False: a by-content name whose blob could not be read (kept: fail closed)

    @property
    def reachable(self) -> bool:
        return bool(self.refs)

    @property
    def pushed(self) -> bool:
        return any(r.startswith("refs/remotes/") for r in self.refs)


def history_entries(top: str, cfg: config_mod.Config, classifier: Classifier) -> list[HistoryEntry]:
    seen = gitio.path_history(
        lambda p: classifier.by_name(os.fsdecode(p)) is not None, cwd=top, refs=HISTORY_REFS
    )
    entries: list[HistoryEntry] = []
    for raw, h in sorted(seen.items()):
        path = os.fsdecode(raw)
        if cfg.is_excluded(path):
            continue
        hit = classifier.by_name(path)
        assert hit is not None
        kind, checked = hit.kind, True
        if hit.by_content:
            # `*.pem`, `.npmrc`...: a credential only when a committed version says so. The
            # version that added it and the newest one are read (a key added in between and
            # removed again is scan-range's job: it reads every commit's lines).
            verdict, checked = _content_verdict(top, cfg, classifier, path, h)
            if verdict is None and checked:
                continue
            if verdict is not None:
                kind = verdict.kind
        anchor = h.first_commit or h.last_commit
        refs = gitio.refs_containing(anchor, cwd=top) if anchor else []
        refs = [r for r in refs if not r.startswith(BACKUP_REFS)]
        entries.append(HistoryEntry(path, kind, hit.pattern, h, refs, checked))
    return entries


def _content_verdict(
    top: str, cfg: config_mod.Config, classifier: Classifier, path: str, h: gitio.PathHistory
) -> tuple[Verdict | None, bool]:
    revs = [h.first_commit] if h.first_commit else []
    revs.append(f"{h.last_commit}^" if h.deleted else h.last_commit)
    shas = []
    for rev in dict.fromkeys(revs):
        # `rev:path` names the blob; a path git cannot take there (a newline) is not guessed at.
        if "\n" in path:
            return None, False
        sha = gitio.blob_at(rev, path, cwd=top)
        if sha is None:
            return None, False
        shas.append(sha)
    for blob in gitio.read_blobs(shas, cfg.max_file_size, cwd=top):
        verdict = classifier.classify(path, blob.data)
        if verdict is not None:
            return verdict, True
    return None, True


def check_history(top: str, cfg: config_mod.Config, classifier: Classifier) -> Check:
    entries = history_entries(top, cfg, classifier)
    check = Check("history", not entries)
    check.data = {
        "files": [
            {
                "path": safe(e.path),
                "kind": e.kind,
                "pattern": e.pattern,
                "first_commit": e.history.first_commit,
                "first_date": _date(e.history.first_time),
                "last_commit": e.history.last_commit,
                "last_date": _date(e.history.last_time),
                "deleted": e.history.deleted,
                "reachable": e.reachable,
                "pushed": e.pushed,
                "refs": [safe(r) for r in e.refs],
                "content_checked": e.content_checked,
            }
            for e in entries
        ]
    }
    if not entries:
        check.details.append("no commit on any ref or in the reflog ever held a credential file")
    # This check goes by file name; a key pasted into README.md is found by reading every line.
    check.details.append("secrets inside other files: run `credgate history --include-reflog`")
    backups = gitio.refs([BACKUP_REFS.rstrip("/")], cwd=top)
    check.data["backup_refs"] = [safe(r) for r in backups]
    if backups:
        stamps = sorted({r[len(BACKUP_REFS) :].split("/", 1)[0] for r in backups})
        check.details.append(
            f"{len(backups)} backup ref(s) from `credgate remediate --apply` "
            f"({', '.join(safe(x) for x in stamps)}) still hold the pre-rewrite history (not counted here)"
        )
        check.fix.append(
            "Once the rewritten history is pushed, delete credgate's backups: git for-each-ref "
            f"--format='delete %(refname)' {BACKUP_REFS} | git update-ref --stdin, and remove "
            'the bundles in the git directory: rm -r "$(git rev-parse --git-dir)/credgate-backup"'
        )
    if not entries:
        return check
    for e in entries:
        h = e.history
        first = (
            f"added {h.first_commit[:12]} {_date(h.first_time)[:10]}"
            if h.first_commit
            else "added (not seen)"
        )
        last = f"last changed {h.last_commit[:12]} {_date(h.last_time)[:10]}"
        state = "deleted since" if h.deleted else "still present"
        check.details.append(f"{safe(e.path)}  {e.kind}: {first}, {last}, {state}")
        if e.reachable:
            refs = ", ".join(safe(r) for r in e.refs[:5]) + (
                f" and {len(e.refs) - 5} more" if len(e.refs) > 5 else ""
            )
            pushed = " (already pushed: assume it is public)" if e.pushed else ""
            check.details.append(f"    reachable from {refs}{pushed}")
        else:
            check.details.append(
                "    no ref reaches the adding commit: only the reflog keeps it in this clone"
            )
        if not e.content_checked:
            check.details.append("    its content could not be read, so it is listed to be safe")
    check.fix.append(
        "Rotate every credential these files ever held, first: removing a file does not remove it from "
        "history, and every clone and fork already has it."
    )
    reachable = [e for e in entries if e.reachable]
    if reachable:
        purge = " ".join(f"--path {shlex.quote(safe(e.path))}" for e in reachable)
        check.fix.append(
            "Then purge them from history: `credgate remediate` prints the plan (`--apply` backs up and runs "
            f"it); by hand, in a fresh clone: git filter-repo --invert-paths {purge}; then force-push every "
            "branch and tag, ask the host to drop cached views and pull-request refs, and have everyone "
            "re-clone."
        )
    if len(reachable) < len(entries):
        check.fix.append(
            "Drop the reflog copies in this clone: "
            "git reflog expire --expire-unreachable=now --all && git gc --prune=now"
        )
    return check


# ---------------------------------------------------------------- 3. .gitignore coverage


def check_gitignore(top: str, classifier: Classifier, layout: gitio.Layout | None = None) -> Check:
    """The committed .gitignore files, probed as `credgate check-gitignore` probes (gate/coverage.py)."""
    from credgate import ignore

    layout = layout or gitio.layout(top)
    judged = coverage.committed_coverage(layout, classifier.protected)
    cov, uncovered, personal, advice = judged.coverage, judged.uncovered, judged.personal, judged.advice
    check = Check("gitignore", judged.safe)

    def item(r: ignore.ProbeResult) -> dict[str, Any]:
        return {
            "pattern": r.pattern,
            "probe": safe(r.probe),
            "decided_by": safe(str(r.decided_by)) if r.decided_by else None,
        }

    check.data = {
        "probes": len(cov.results),
        "uncovered": [item(r) for r in uncovered],
        "personal_only": [item(r) for r in personal],
        "advice": [safe(p) for p in advice],
    }
    # One line per pattern naming a few failing probes, so a bare .gitignore stays readable.
    for label, failing in (
        ("is NOT ignored", uncovered),
        ("is ignored only by a personal exclude", personal),
    ):
        by_pattern: dict[str, list[ignore.ProbeResult]] = {}
        for r in failing:
            by_pattern.setdefault(r.pattern, []).append(r)
        for pattern, probes in by_pattern.items():
            names = ", ".join(safe(r.probe) for r in probes[:3])
            if len(probes) > 3:
                names += f" (+{len(probes) - 3} more)"
            deciders = sorted({safe(str(r.decided_by)) for r in probes if r.decided_by is not None})
            by = f"; decided by {', '.join(deciders)}" if deciders else ""
            check.details.append(f"`{safe(pattern)}` {label}: {names}{by}")
    if advice:
        check.details.append(
            f"advice (not unsafe): {len(advice)} more credential file pattern(s) not ignored: "
            + ", ".join(safe(p) for p in advice)
        )
    if check.safe:
        if not advice:
            check.details.append(
                f"all {len(cov.results)} probes of the protected names are ignored by .gitignore"
            )
    elif judged.disk_covers:
        check.details.append(
            "the .gitignore files on disk cover every name, but that edit is not committed: clones, "
            "teammates and CI do not have it"
        )
        check.fix.append("Commit .gitignore: git add .gitignore && git commit -m 'ignore credential files'")
    else:
        # A `!` line in a nested .gitignore beats every root line: appending to the root cannot fix it.
        nested = sorted({safe(str(r.decided_by)) for r in uncovered if r.decided_by is not None
                         and r.decided_by.negated and r.decided_by.source_path != coverage.ROOT})  # fmt: skip
        if nested:
            check.fix.append(
                "Remove these lines, which re-include credential files and which no line in the root "
                f".gitignore can override: {', '.join(nested)}; then commit them."
            )
        missing = list(dict.fromkeys(r.pattern for r in [*uncovered, *personal]))
        check.fix.append(
            "Run `credgate check-gitignore --fix` (or add these lines to .gitignore yourself: "
            + ", ".join(f"`{safe(p)}`" for p in missing)
            + "), then commit .gitignore."
        )
    return check


# ---------------------------------------------------------------- all of them


def audit(skip: Sequence[str] = (), config_path: str | None = None) -> list[Check]:
    """Every check, in order (a skipped one as SKIPPED); a bare repository gets the ones it can answer."""
    from credgate.gate import audit_setup  # checks 4 and 5; it imports Check from here

    layout = gitio.layout()
    if layout.work_tree is None:
        return _audit_bare(layout, skip, config_path)
    state = gitio.repo_state()
    top = state.toplevel
    cfg = config_mod.find(top, config_path)
    classifier = Classifier(cfg)
    out = []
    for name in CHECKS:
        if name in skip:
            out.append(Check(name, None))
        elif name == "tracked":
            out.append(check_tracked(state, cfg, classifier))
        elif name == "history":
            out.append(check_history(top, cfg, classifier))
        elif name == "gitignore":
            out.append(check_gitignore(top, classifier, layout))
        elif name == "hooks":
            out.append(audit_setup.check_hooks(top))
        else:
            out.append(audit_setup.check_ci(top, layout))
    return out


def _audit_bare(layout: gitio.Layout, skip: Sequence[str], config_path: str | None) -> list[Check]:
    """A bare or mirror clone has no index and no hooks of a developer: the questions about history,
    the committed .gitignore and the committed CI are answered; the others are skipped and say why."""
    from credgate.gate import audit_setup
    from credgate.gate.repo_config import committed_config

    cfg = config_mod.find(".", config_path) if config_path else committed_config(layout.git_dir)
    classifier = Classifier(cfg)
    out = []
    for name in CHECKS:
        if name in skip:
            out.append(Check(name, None))
        elif name == "tracked":
            out.append(Check(name, None, ["a bare repository has no index: see check 2 for HEAD's history"]))
        elif name == "hooks":
            out.append(Check(name, None, ["a bare repository has no developer hooks: audit a working clone"]))
        elif name == "history":
            out.append(check_history(layout.git_dir, cfg, classifier))
        elif name == "gitignore":
            out.append(check_gitignore(layout.git_dir, classifier, layout))
        else:
            out.append(audit_setup.check_ci(layout.git_dir, layout))
    return out
