"""Text output for people: the findings, notices, fix steps, warnings and the summary line.

A secret only ever appears as `Finding.redacted()`, and every file name, rule text and note
passes through `safe()`, so an escape sequence in a file name or in scanned content cannot
drive the terminal or issue a CI runner command.
"""

from __future__ import annotations

from credgate.engine.finding import Finding
from credgate.gate.report import Report, human_size
from credgate.output.escape import safe

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import TextIO


def summary(report: Report) -> str:
    s = report.stats
    if report.scope.startswith("commits "):
        where = report.scope[len("commits ") :]
        changed = f"{s.files} changed file{'s' * (s.files != 1)}, {human_size(s.bytes)}"
        parts = [f"scanned {s.commits} commit{'s' * (s.commits != 1)} ({changed}) {where}"]
    else:
        parts = [f"scanned {s.files} file{'s' * (s.files != 1)} ({human_size(s.bytes)}) in {report.scope}"]
    if s.binary:
        # A count, not a line per file: a repository of images would bury everything else.
        shown = ", ".join(safe(p) for p in s.binary[:3]) + (
            f" +{len(s.binary) - 3} more" if len(s.binary) > 3 else ""
        )
        parts.append(f"{len(s.binary)} binary (searched for high-confidence tokens only: {shown})")
    not_scanned = len(s.too_large) + len(s.unreadable) + len(s.skipped)
    if not_scanned:
        parts.append(f"{not_scanned} NOT scanned (named in the warnings above)")
    if s.excluded:
        parts.append(f"{s.excluded} excluded by config")
    if s.ignored:
        parts.append(f"{s.ignored} ignored by .gitignore (--no-ignore scans them)")
    if s.suppressed:
        parts.append(f"{s.suppressed} match(es) suppressed as decoys or allowed inline")
    accepted = s.baselined + s.allowed_at_head
    if accepted:
        by = [f"{s.baselined} by the baseline"] if s.baselined else []
        if s.allowed_at_head:
            by.append(f"{s.allowed_at_head} by an allow marker on their line at HEAD")
        parts.append(f"{accepted} known finding{'s' * (accepted != 1)} accepted ({', '.join(by)})")
    if s.not_blocking:
        parts.append(f"{s.not_blocking} finding(s) on lines this commit does not add (see --all-lines)")
    return "credgate: " + "; ".join(parts)


def always_summary(report: Report) -> bool:
    """Whether the run ends with its summary line without -v: range scans ("scanned 0 commits" must
    never look like a pass), `scan` and `history` (long runs that say what they covered)."""
    return report.kind == "range" or report.summarize


def warnings(report: Report) -> list[str]:
    out = []
    for path, size in report.stats.too_large:
        out.append(
            f"credgate: warning: {safe(path)} was NOT scanned: {human_size(size)} is over the "
            f"{human_size(report.max_size)} limit (raise max-file-size in .credgate.toml to scan it)"
        )
    for path in report.stats.unreadable:
        out.append(f"credgate: warning: {safe(path)} could not be read and was NOT scanned")
    out.extend(safe(note) for note in report.notes)  # notes carry repository names raw
    for path, why in report.stats.skipped:
        out.append(f"credgate: warning: {safe(path)} was NOT scanned: {why}")
    return out


def accepted_line(report: Report) -> str | None:
    """The one line normal output gives accepted findings, so a team sees what is waved through."""
    s = report.stats
    if not (s.baselined or s.allowed_at_head):
        return None
    parts = [f"{s.baselined} by the baseline"] if s.baselined else []
    if s.allowed_at_head:
        parts.append(f"{s.allowed_at_head} by an allow marker on their line at HEAD")
    n = s.baselined + s.allowed_at_head
    return f"credgate: {n} known finding{'s' * (n != 1)} accepted ({', '.join(parts)}); not shown"


def write_text(report: Report, out: TextIO, err: TextIO, verbose: bool) -> None:
    for line in warnings(report):
        print(line, file=err)
    notices = [f for f in report.findings if not f.blocking]
    findings = [f for f in report.findings if f.blocking]
    if notices:
        _write_notices(notices, out)
    # A range scan always ends with its summary: "scanned 0 commits" must never look like a pass.
    always = always_summary(report)
    if not findings:
        if verbose or always:
            print(summary(report), file=err)
        return
    n = len(findings)
    noun = "secret" if all(f.secret for f in findings) else "finding"  # a gate-config change holds no secret
    print(f"credgate: {n} {noun}{'s' * (n != 1)} found in {safe(report.scope)}\n", file=out)
    for f in findings:
        extra = f"severity {f.severity}, confidence {f.confidence}"
        if f.commit:
            extra = f"commit {f.commit[:12]}, " + extra
        if f.note:
            extra += f"; {safe(f.note)}"
        print(f"  {safe(f.path)}:{f.line}:{f.col}  {f.rule_id}  {safe(f.rule_name)}  ({extra})", file=out)
        if f.rule_id == "file-too-large":  # not a secret: a file the gate could not read
            print(f"      fix     {safe(f.hint)}", file=out)
            continue
        if f.secret:
            print(f"      secret  {f.redacted()}", file=out)
        print(f"      {'rotate' if f.secret else 'fix   '}  {safe(f.hint)}", file=out)
        if f.url:
            print(f"              {safe(f.url)}", file=out)
    steps = [
        "Rotate first: assume anything that reached a commit or a shared file is exposed (see 'rotate')."
    ]
    if report.kind == "history":
        steps.extend(_history_steps(findings, report.credential_files))
    elif report.kind == "range":
        if report.base:
            rebase = f"git rebase -i {report.base[:12]}"
        else:
            # A first push: no commit of this branch is on the remote, so there is no pushed commit to
            # start from. A branch forked from a pushed one starts from that branch instead.
            rebase = (
                "git rebase -i --root (nothing of this branch is on the remote yet; if it forked from a "
                "pushed branch, git rebase -i origin/<that branch>)"
            )
        steps.append(
            f"Rewrite the commits that add it before they leave this machine: {rebase} "
            "(edit each commit named above; for the last commit alone: git commit --amend)."
        )
        if any(f.path.endswith(" (commit message)") for f in findings):
            steps.append(
                f"A secret in a commit message: {rebase.split(' (', 1)[0]} and mark that commit `reword` "
                "(the last commit alone: git commit --amend)."
            )
        if any(" (message of tag " in f.path for f in findings):
            steps.append("A secret in a tag message: delete the tag (git tag -d NAME) and create it again.")
        steps.append(
            "If any of these commits was already pushed elsewhere, rewriting does not unpublish it: rotate."
        )
    elif report.kind != "files":
        for path in sorted({f.path for f in findings}):
            import shlex  # here: only a blocked commit's fix steps quote paths

            quoted = shlex.quote(safe(path))
            if path in report.credential_files:
                # A credential file (.env.master) does not belong in git at all: untrack it, ignore it.
                steps.append(
                    f"Unstage the file (it stays on disk): git rm --cached -- {quoted}  (then add it to "
                    f".gitignore: {gitignore_fix_command()})"
                )
                if path not in report.new_files:
                    steps.append(
                        f"{safe(path)} is already in history: see credgate history and credgate remediate."
                    )
            else:
                # Docs and source belong in git: ignoring them would hide the file, not the secret.
                steps.append(
                    f"Replace the value in {safe(path)} with a placeholder (your-key-here, ${{API_KEY}}), "
                    f"then re-stage it: git add -- {quoted}"
                )
    steps.append("Read the value from an environment variable or a secret manager instead of the file.")
    steps.append(
        "Not a secret? Add `credgate:allow` (or `credgate:allow=RULE-ID`) in a comment on that line."
    )
    print("\nHow to fix:", file=out)
    for i, step in enumerate(steps, 1):
        print(f"  {i}. {step}", file=out)
    if verbose or always:
        print(summary(report), file=err)


def gitignore_fix_command() -> str:
    """The command that adds the missing .gitignore lines, as the user can run it: under the pre-commit
    framework credgate is not on PATH, its manual-stage fix hook is."""
    import os

    if os.environ.get("PRE_COMMIT") == "1":
        return "pre-commit run credgate-gitignore-fix --hook-stage manual"
    return "credgate check-gitignore --fix"


def _history_steps(findings: list[Finding], credential_files: set[str]) -> list[str]:
    """Purge advice: credential files leave history whole; anywhere else only the value is replaced,
    so README.md, rule files and tests keep their history."""
    import shlex

    paths: set[str] = set()
    for f in findings:
        listed = dict(f.extra).get("paths")
        paths.update(listed if isinstance(listed, list) else [f.path])
    whole = sorted(p for p in paths if p in credential_files)
    values = sorted(p for p in paths if p not in credential_files)
    cmd = "git filter-repo"
    why = []
    if whole:
        cmd += " --invert-paths " + " ".join(f"--path {shlex.quote(safe(p))}" for p in whole)
        why.append("credential files leave history whole")
    cmd += " --replace-text FILE"
    if values:
        kept = ", ".join(safe(p) for p in values)
        why.append(f"in {kept} only the value is replaced and the files keep their history")
    why.append("credgate remediate --write-expressions FILE writes FILE")
    return [
        "Then purge history, every value and every ref in one rewrite: credgate remediate prints the plan "
        "(--apply backs up, rewrites and verifies).",
        f"By hand: {cmd}  ({'; '.join(why)}).",
        "Force-push the rewritten refs and have every clone re-clone: old clones still hold them.",
    ]


def _write_notices(notices: list[Finding], out: TextIO) -> None:
    from credgate.engine.scanner import advisory_text

    n = len(notices)
    print(f"credgate: {n} notice{'s' * (n != 1)} (not blocking: probably not real secrets)", file=out)
    for f in notices:
        where = f"{safe(f.path)}:{f.line}:{f.col}"
        print(f"  {where}  {f.rule_id}  {f.redacted()}  {safe(advisory_text(f.advisory))}", file=out)
    print(
        '  A real one? Rotate it all the same. To make notices block: notices = "block" in .credgate.toml.\n',
        file=out,
    )
