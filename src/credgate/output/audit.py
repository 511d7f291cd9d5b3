"""Text and JSON of `credgate audit`: each check's verdict, what it found, and what to do.

gate/audit.py and gate/audit_setup.py decide and hand over raw facts (paths, refs, probes, kinds...);
this module is the only one that words them and escapes them for a terminal or a JSON reader
(`credgate incident` quotes the same lines through `details`).
"""

from __future__ import annotations

import shlex
from datetime import datetime, timezone
from typing import Any, Sequence, TextIO

from credgate import __version__, ignore
from credgate.gate.audit import BACKUP_REFS, TITLES, Check, HistoryEntry
from credgate.output import escape as output_escape
from credgate.output.escape import safe
from credgate.output.files import describe, fix_steps, verdict_json

BARE = {
    "tracked": "a bare repository has no index: see check 2 for HEAD's history",
    "hooks": "a bare repository has no developer hooks: audit a working clone",
}


def date(ts: int) -> str:
    """A commit time as JSON carries it (UTC, ISO 8601); "" when unknown."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else ""


def verdict(checks: Sequence[Check]) -> str:
    """UNSAFE when any check is; UNKNOWN when one could not be answered (never a pass); else SAFE."""
    if any(c.safe is False for c in checks):
        return "UNSAFE"
    return "UNKNOWN" if any(c.unknown for c in checks) else "SAFE"


# ---------------------------------------------------------------- 1. tracked now


def _tracked(c: Check) -> tuple[list[str], list[str]]:
    details: list[str] = []
    fix: list[str] = []
    for v in c.facts["blocked"]:
        details.append(describe(v))
        for f in v.findings:
            details.append(f"    line {f.line}:{f.col}  {f.rule_id}  {f.redacted()}")
    for v in c.facts["blocked"]:
        # The files gate points at `credgate audit` for where a file is in history: here that is check 2.
        steps = [
            step.replace("`credgate audit` shows where", "check 2 below shows where") for step in fix_steps(v)
        ]
        fix.extend(f"{safe(v.path)}: {step}" for step in steps)
    if not c.facts["blocked"]:
        details.append(f"none of the {c.facts['checked']} tracked files is a credential file")
    return details, fix


# ---------------------------------------------------------------- 2. history


def _history(c: Check) -> tuple[list[str], list[str]]:
    entries: list[HistoryEntry] = c.facts["entries"]
    backups: list[str] = c.facts["backup_refs"]
    details: list[str] = []
    fix: list[str] = []
    if not entries:
        details.append("no commit on any ref or in the reflog ever held a credential file")
    # This check goes by file name; a key pasted into README.md is found by reading every line.
    details.append("secrets inside other files: run `credgate history --include-reflog`")
    if backups:
        stamps = sorted({r[len(BACKUP_REFS) :].split("/", 1)[0] for r in backups})
        details.append(
            f"{len(backups)} backup ref(s) from `credgate remediate --apply` "
            f"({', '.join(safe(x) for x in stamps)}) still hold the pre-rewrite history (not counted here)"
        )
        fix.append(
            "Once the rewritten history is pushed, delete credgate's backups: git for-each-ref "
            f"--format='delete %(refname)' {BACKUP_REFS} | git update-ref --stdin, and remove "
            'the bundles in the git directory: rm -r "$(git rev-parse --git-dir)/credgate-backup"'
        )
    if not entries:
        return details, fix
    for e in entries:
        h = e.history
        first = (
            f"added {h.first_commit[:12]} {date(h.first_time)[:10]}" if h.first_commit else "added (not seen)"
        )
        last = f"last changed {h.last_commit[:12]} {date(h.last_time)[:10]}"
        state = "deleted since" if h.deleted else "still present"
        details.append(f"{safe(e.path)}  {e.kind}: {first}, {last}, {state}")
        if e.reachable:
            refs = ", ".join(safe(r) for r in e.refs[:5]) + (
                f" and {len(e.refs) - 5} more" if len(e.refs) > 5 else ""
            )
            pushed = " (already pushed: assume it is public)" if e.pushed else ""
            details.append(f"    reachable from {refs}{pushed}")
        else:
            details.append("    no ref reaches the adding commit: only the reflog keeps it in this clone")
        if not e.content_checked:
            details.append("    its content could not be read, so it is listed to be safe")
    fix.append(
        "Rotate every credential these files ever held, first: removing a file does not remove it from "
        "history, and every clone and fork already has it."
    )
    reachable = [e for e in entries if e.reachable]
    if reachable:
        purge = " ".join(f"--path {shlex.quote(safe(e.path))}" for e in reachable)
        fix.append(
            "Then purge them from history: `credgate remediate` prints the plan (`--apply` backs up and runs "
            f"it); by hand, in a fresh clone: git filter-repo --invert-paths {purge}; then force-push every "
            "branch and tag, ask the host to drop cached views and pull-request refs, and have everyone "
            "re-clone."
        )
    if len(reachable) < len(entries):
        fix.append(
            "Drop the reflog copies in this clone: "
            "git reflog expire --expire-unreachable=now --all && git gc --prune=now"
        )
    return details, fix


def _history_json(e: HistoryEntry) -> dict[str, Any]:
    h = e.history
    return {
        "path": safe(e.path),
        "kind": e.kind,
        "pattern": e.pattern,
        "first_commit": h.first_commit,
        "first_date": date(h.first_time),
        "last_commit": h.last_commit,
        "last_date": date(h.last_time),
        "deleted": h.deleted,
        "reachable": e.reachable,
        "pushed": e.pushed,
        "refs": [safe(r) for r in e.refs],
        "content_checked": e.content_checked,
    }


# ---------------------------------------------------------------- 3. .gitignore coverage


def _gitignore(c: Check) -> tuple[list[str], list[str]]:
    facts = c.facts
    uncovered: list[ignore.ProbeResult] = facts["uncovered"]
    personal: list[ignore.ProbeResult] = facts["personal"]
    advice: list[str] = facts["advice"]
    details: list[str] = []
    fix: list[str] = []
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
            details.append(f"`{safe(pattern)}` {label}: {names}{by}")
    if advice:
        details.append(
            f"advice (not unsafe): {len(advice)} more credential file pattern(s) not ignored: "
            + ", ".join(safe(p) for p in advice)
        )
    if c.safe:
        if not advice:
            details.append(f"all {facts['probes']} probes of the protected names are ignored by .gitignore")
    elif facts["disk_covers"]:
        details.append(
            "the .gitignore files on disk cover every name, but that edit is not committed: clones, "
            "teammates and CI do not have it"
        )
        fix.append("Commit .gitignore: git add .gitignore && git commit -m 'ignore credential files'")
    else:
        # A `!` line in a nested .gitignore beats every root line: appending to the root cannot fix it.
        nested = sorted({safe(str(rule)) for rule in facts["reincluding"]})
        if nested:
            fix.append(
                "Remove these lines, which re-include credential files and which no line in the root "
                f".gitignore can override: {', '.join(nested)}; then commit them."
            )
        missing = list(dict.fromkeys(r.pattern for r in [*uncovered, *personal]))
        fix.append(
            "Run `credgate check-gitignore --fix` (or add these lines to .gitignore yourself: "
            + ", ".join(f"`{safe(p)}`" for p in missing)
            + "), then commit .gitignore."
        )
    return details, fix


def _probe_json(r: ignore.ProbeResult) -> dict[str, Any]:
    return {
        "pattern": r.pattern,
        "probe": safe(r.probe),
        "decided_by": safe(str(r.decided_by)) if r.decided_by else None,
    }


# ---------------------------------------------------------------- 4. hooks on this clone


def _hook_kind(st: dict[str, Any]) -> str:
    return st["kind"] if st["executable"] else f"{st['kind']} (not executable: git skips it)"


def _hooks(c: Check) -> tuple[list[str], list[str]]:
    facts = c.facts
    commit, push = facts["pre_commit"], facts["pre_push"]
    details: list[str] = []
    fix: list[str] = []
    if facts["core_hooks_path"]:
        details.append(f"core.hooksPath = {safe(facts['core_hooks_path'])}")
    for label, st in (("pre-commit", commit), ("pre-push", push)):
        kind = _hook_kind(st)
        what = {"pre-commit-framework": "pre-commit framework", "credgate": "credgate's plain hook"}.get(
            kind, kind
        )
        runs = "runs credgate" if st["enforced"] else "does NOT run credgate"
        if kind == "missing":
            details.append(f"{label}: no hook at {safe(st['path'])}")
        else:
            ids = f" ({', '.join(st['hooks'])} in {safe(st['config'])})" if st["hooks"] else ""
            details.append(f"{label}: {what} at {safe(st['path'])}: {runs}{ids}")
    framework = facts["framework"]
    if not commit["enforced"]:
        if framework:
            fix.append(
                "Add `- id: credgate-secrets` and `- id: credgate-files` to .pre-commit-config.yaml, "
                "then run `pre-commit install` (every developer, in every clone)."
            )
        else:
            fix.append("Run `credgate install-hooks` (or `pre-commit install` with the credgate hooks).")
    if not push["enforced"]:
        # Advice only: the commit gate plus CI is the requirement, the push gate is the backstop
        # for `git commit --no-verify` on this machine.
        tip = (
            "pre-commit install --hook-type pre-push (with `- id: credgate-range`)"
            if framework
            else "credgate install-hooks --hook pre-push"
        )
        fix.append(f"Also gate pushes, which --no-verify on commit cannot skip: {tip}.")
    return details, fix


def _hook_json(st: dict[str, Any]) -> dict[str, Any]:
    config = st["config"]
    return {
        "path": safe(st["path"]),
        "kind": _hook_kind(st),
        "enforced": st["enforced"],
        "config": safe(config) if config is not None else None,
        "hooks": list(st["hooks"]),
    }


# ---------------------------------------------------------------- 5. CI

_CI_LABELS = {
    "credgate": "runs a credgate scan that fails the pipeline",
    "pre-commit": "runs pre-commit with credgate hooks",
    "pre-commit.ci": "pre-commit.ci runs the credgate hooks",
}


def _ci(c: Check) -> tuple[list[str], list[str]]:
    facts = c.facts
    details: list[str] = []
    fix: list[str] = []
    for r in facts["runs"]:
        details.append(f"{safe(r['path'])}: job {safe(r['job'])} {_CI_LABELS[r['how']]}")
    for why in facts["not_counted"]:
        details.append(f"does not count: {safe(why)}")
    for path in facts["unknown"]:
        details.append(f"{safe(path)}: credgate cannot read this CI system's configuration")
    if c.unknown:
        fix.append(
            "Check the CI files credgate cannot read yourself: a step must run `credgate ci` and its failure "
            "must fail the build (no `|| true`, no allowed failure); then pass `--skip ci`."
        )
    if not facts["runs"] and (facts["not_counted"] or not c.unknown):
        if not facts["ci_files"]:
            details.append("no committed CI configuration found")
        fix.append(
            "Add a CI step that runs `credgate ci` (on GitHub: `uses: <where you host credgate>@v0.1.0`) and "
            "`credgate files --tracked`, and let it fail the pipeline (no `|| true`, `continue-on-error` or "
            "`allow_failure`); it is the gate `git commit --no-verify` cannot skip."
        )
    return details, fix


# ---------------------------------------------------------------- every check

_WORDING = {"tracked": _tracked, "history": _history, "gitignore": _gitignore, "hooks": _hooks, "ci": _ci}


def _lines(c: Check) -> tuple[list[str], list[str]]:
    if c.facts.get("bare"):
        return [BARE[c.name]], []
    if not c.facts:  # skipped
        return [], []
    return _WORDING[c.name](c)


def details(c: Check) -> list[str]:
    """What the check found, one escaped line each."""
    return _lines(c)[0]


def fix(c: Check) -> list[str]:
    """What to do, one escaped step each, from where the user is."""
    return _lines(c)[1]


def data(c: Check) -> dict[str, Any]:
    """The check's JSON body (stable keys), escaped."""
    f = c.facts
    if not f or f.get("bare"):
        return {}
    if c.name == "tracked":
        return {"files": [verdict_json(v) for v in f["blocked"]], "checked": f["checked"]}
    if c.name == "history":
        return {
            "files": [_history_json(e) for e in f["entries"]],
            "backup_refs": [safe(r) for r in f["backup_refs"]],
        }
    if c.name == "gitignore":
        return {
            "probes": f["probes"],
            "uncovered": [_probe_json(r) for r in f["uncovered"]],
            "personal_only": [_probe_json(r) for r in f["personal"]],
            "advice": [safe(p) for p in f["advice"]],
        }
    if c.name == "hooks":
        hooks_path = f["core_hooks_path"]
        return {
            "hooks_dir": safe(f["hooks_dir"]),
            "core_hooks_path": safe(hooks_path) if hooks_path else None,
            "pre_commit": _hook_json(f["pre_commit"]),
            "pre_push": _hook_json(f["pre_push"]),
        }
    return {
        "runs": [{"path": safe(r["path"]), "how": r["how"], "job": safe(r["job"])} for r in f["runs"]],
        "ci_files": [safe(p) for p in f["ci_files"]],
        "not_counted": [safe(x) for x in f["not_counted"]],
        "unknown": [safe(x) for x in f["unknown"]],
    }


def to_json(checks: Sequence[Check], rc: int) -> str:
    doc = {
        "tool": "credgate",
        "version": __version__,
        "command": "audit",
        "exit_code": rc,
        "verdict": verdict(checks),
        "checks": {c.name: {"verdict": c.verdict, "safe": c.safe, **data(c), "fix": fix(c)} for c in checks},
    }
    return output_escape.dumps_json(doc)


def write_text(checks: Sequence[Check], where: str, out: TextIO) -> None:
    """where: the work tree (or, for a bare repository, the git directory) audited."""
    print(f"credgate audit of {safe(where)}", file=out)
    for i, c in enumerate(checks, 1):
        print(f"\n[{c.verdict}] {i}. {TITLES[c.name]}", file=out)
        found, steps = _lines(c)
        for line in found:
            print(f"    {line}", file=out)
        if steps:
            print("  What to do:", file=out)
            for step in steps:
                print(f"    - {step}", file=out)
    unsafe = [c for c in checks if c.safe is False]
    unknown = [c for c in checks if c.unknown]
    done = [c for c in checks if c.safe is not None or c.unknown]
    tail = f", {len(unknown)} unknown" if unknown else ""
    print(f"\ncredgate audit: {verdict(checks)} ({len(unsafe)} of {len(done)} checks unsafe{tail})", file=out)
