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

Checks 4 and 5 (does a gate run) are gate/audit_setup.py's. A check holds facts only (paths, refs,
probes, kinds, dates as they are: no sentence, no escaping); the wording, the escaping and the JSON body
are output/audit.py's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

from credgate import config as config_mod
from credgate import gitio
from credgate.gate import coverage, credential_files
from credgate.gate.credential_files import Classifier, Verdict

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
    # The raw facts, per check (see each check_*); never escaped, never worded: output/audit.py does both.
    facts: dict[str, Any] = field(default_factory=dict)
    unknown: bool = False  # credgate could not tell (a CI system it cannot read): never called SAFE

    @property
    def verdict(self) -> str:
        if self.unknown:
            return "UNKNOWN"
        return "SKIPPED" if self.safe is None else "SAFE" if self.safe else "UNSAFE"


# ---------------------------------------------------------------- 1. tracked now


def check_tracked(state: gitio.RepoState, cfg: config_mod.Config, classifier: Classifier) -> Check:
    """facts: blocked (the credential files' verdicts), checked (how many tracked files were)."""
    result = credential_files.check((), tracked=True, cfg=cfg, classifier=classifier, state=state)
    return Check(
        "tracked", not result.blocked, {"blocked": list(result.blocked), "checked": result.stats.files}
    )


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
    """facts: entries (every credential file history holds), backup_refs (credgate's own backups)."""
    entries = history_entries(top, cfg, classifier)
    backups = gitio.refs([BACKUP_REFS.rstrip("/")], cwd=top)
    return Check("history", not entries, {"entries": entries, "backup_refs": backups})


# ---------------------------------------------------------------- 3. .gitignore coverage


def check_gitignore(top: str, classifier: Classifier, layout: gitio.Layout | None = None) -> Check:
    """The committed .gitignore files, probed as `credgate check-gitignore` probes (gate/coverage.py).

    facts: probes (how many), uncovered and personal (the failing ignore.ProbeResults), advice (patterns),
    disk_covers (the uncommitted .gitignore on disk would do), reincluding (the `!` rules of nested
    .gitignore files that re-include a protected name: no root line can override them)."""
    layout = layout or gitio.layout(top)
    judged = coverage.committed_coverage(layout, classifier.protected)
    uncovered = list(judged.uncovered)
    reincluding = [r.decided_by for r in uncovered if r.decided_by is not None
                   and r.decided_by.negated and r.decided_by.source_path != coverage.ROOT]  # fmt: skip
    facts = {
        "probes": len(judged.coverage.results),
        "uncovered": uncovered,
        "personal": list(judged.personal),
        "advice": list(judged.advice),
        "disk_covers": bool(judged.disk_covers),
        "reincluding": reincluding,
    }
    return Check("gitignore", judged.safe, facts)


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
        elif name in ("tracked", "hooks"):  # a bare repository has no index and no developer hooks
            out.append(Check(name, None, {"bare": True}))
        elif name == "history":
            out.append(check_history(layout.git_dir, cfg, classifier))
        elif name == "gitignore":
            out.append(check_gitignore(layout.git_dir, classifier, layout))
        else:
            out.append(audit_setup.check_ci(layout.git_dir, layout))
    return out
