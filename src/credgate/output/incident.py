"""The postmortem draft `credgate incident` writes, in Markdown.

Follows the postmortem template of the incident document behind this project (Incident Summary,
Timeline, Root Cause, What Was Skipped, Follow-Up Actions, Lessons Learned). The facts are decided in
`gate.incident`; the audit's checks are worded by `output.audit`, as in `credgate audit`; what only
people know is left as a visible TODO. Secrets appear redacted, as everywhere.
"""

from __future__ import annotations

import os
from fnmatch import fnmatch
from typing import TextIO

from credgate.engine.finding import Finding
from credgate.gate.incident import Postmortem, all_paths, head_paths, introduced
from credgate.output import audit as audit_out
from credgate.output.escape import safe

TODO = "_TODO: fill in_"
_STATES = {
    "unknown": "UNKNOWN (a CI system credgate cannot read)",
    "unchecked": f"not checked here ({TODO}: was it in place?)",
    "in place": "in place",
    "NOT in place": "NOT in place",
}


def _md(text: str) -> str:
    """Escape for Markdown table cells and inline text."""
    return safe(text).replace("|", "\\|").replace("`", "'")


def about(detail: str, paths: list[str]) -> bool:
    """Whether an audit line about a pattern (`` `.env.*` is NOT ignored``) concerns one of paths."""
    if not detail.startswith("`"):
        return False
    pattern = detail[1:].split("`", 1)[0]
    return any(fnmatch(os.path.basename(p), pattern) for p in paths)


def why_broke(pm: Postmortem) -> list[str] | None:
    """The failed checks' lines, those about the leaked files first (the ignore rules they needed)."""
    if pm.why_broke is None:
        return None
    return [
        d
        for c in pm.why_broke
        for d in sorted(audit_out.details(c), key=lambda d: not about(d, pm.files))[:6]
    ]


def _where(f: Finding) -> str:
    """`.env.master:3`, `AUTOMATION-GUIDE.md`: the introducing line, then every other file."""
    first = f"`{_md(f.path)}:{f.line}`"
    return ", ".join([first] + [f"`{_md(p)}`" for p in all_paths(f) if p != f.path])


def draft(pm: Postmortem) -> str:
    """The postmortem in the incident document's template: every fact filled in, every judgement a TODO."""
    findings, first, last, days, now = pm.findings, pm.first, pm.last, pm.days, pm.now
    severe, files, at_head, repo = pm.severe, pm.files, pm.at_head, pm.repo
    lines: list[str] = []
    add = lines.append

    add(f"# Postmortem: credentials committed to `{_md(repo)}`")
    add("")
    add(
        f"> Draft written by `credgate incident` on {now:%Y-%m-%d %H:%M} UTC from the repository's history. "
        "Every fact below comes from git; every _TODO_ needs a person. Secrets are shown redacted only."
    )
    add("")
    add("### Incident Summary")
    add(
        f"- **Date/Time:** first credential committed {first:%Y-%m-%d %H:%M} UTC "
        f"(commit `{findings[0].commit[:12]}`); detected {now:%Y-%m-%d %H:%M} UTC by credgate"
    )
    add(
        f"- **Duration:** {days} day(s) in history between the first commit and detection; "
        f"exposure window depends on who could read the repository: {TODO}"
    )
    add(
        f"- **Severity:** {'P0 CRITICAL' if severe else 'P1 HIGH'} (suggested: "
        + (
            "live cloud, payment, VCS or signing credentials)"
            if severe
            else "credentials of lower blast radius)"
        )
    )
    add(
        f"- **User Impact:** Security risk: {len(findings)} credential(s) in {len(files)} file(s); "
        f"{len(at_head)} still present at HEAD. Who could access them: {TODO}"
    )
    add("")
    add(f"- **Files:** {', '.join(f'`{_md(p)}`' for p in files)}")
    add("")
    add("| credential | rule | files (introduced at file:line) | introduced | commit | still at HEAD |")
    add("| --- | --- | --- | --- | --- | --- |")
    for f in findings:
        head = head_paths(f)
        still = "yes (" + ", ".join(f"`{_md(p)}`" for p in head) + ")" if head else "no"
        add(
            f"| {_md(f.rule_name)} `{f.redacted()}` | `{f.rule_id}` | {_where(f)} | "
            f"{introduced(f):%Y-%m-%d} | `{f.commit[:12]}` | {still} |"
        )
    add("")
    add("### Timeline")
    add(
        f"- **Detection:** `credgate incident` / `credgate history` on {now:%Y-%m-%d}; first leak "
        f"{first:%Y-%m-%d}, last {last:%Y-%m-%d}. How it was noticed: {TODO}"
    )
    add("- **Response:**")
    for f in findings:
        add(f"  - [ ] Rotate {_md(f.rule_name)} `{f.redacted()}`: {_md(f.hint)}")
    add("  - [ ] Back up before rewriting: `credgate remediate --apply` makes a bundle and backup refs")
    add(
        "- **Resolution:** [ ] Purge history: `credgate remediate` prints the plan (`git filter-repo "
        "--invert-paths` for credential files, `--replace-text` for values); `--apply` runs it; "
        "then force-push"
    )
    add(
        "- **Verification:** [ ] `credgate history` reports nothing on branches and tags; "
        "[ ] the host accepts "
        "the push without secret-scanning warnings; [ ] every collaborator re-cloned"
    )
    add("")
    add("### Root Cause")
    add("- **What broke:** credentials were committed to files in the repository:")
    for f in findings:
        add(f"  - {_md(f.rule_name)} `{f.redacted()}` in {_where(f)} (commit `{f.commit[:12]}`)")
    add("- **Why it broke:**")
    broke = why_broke(pm)
    for detail in broke or []:
        add(f"  - {detail}")
    if broke is None:
        add(f"  - {TODO} (`.gitignore` coverage holds today; check what it was when the file was committed)")
    add("- **Why it wasn't caught:**")
    for gate in pm.gates:
        add(f"  - {'Local hook' if gate.name == 'hooks' else 'CI gate'} {_STATES[gate.state]}:")
        for detail in audit_out.details(gate.check)[:4]:
            add(f"    - {detail}")
    add("")
    add("### What Was Skipped During Hotfix")
    for item in (
        "Tests",
        "Cleanup (backup bundles and refs/credgate-backup/* left after the rewrite)",
        "Full verification",
    ):
        add(f"- [ ] {item}")
    add("")
    add("### Follow-Up Actions")
    add("- [ ] Rotate every credential listed above, and confirm the old ones are deactivated")
    add("- [ ] Purge history: `credgate remediate --apply`, force-push, collaborators re-clone")
    add("- [ ] Ignore: `credgate check-gitignore --fix` (covers `.env`, `.env.*` and credential files)")
    add(
        "- [ ] Hooks: add `credgate-secrets`, `credgate-files` and `credgate-range` to "
        "`.pre-commit-config.yaml`, then `pre-commit install --hook-type pre-commit --hook-type pre-push`"
    )
    add("- [ ] CI: run `credgate ci` on every pull request and push (the gate `--no-verify` cannot skip)")
    add("- [ ] Audit other env and credential files: `credgate audit`")
    add(
        "- [ ] Add test coverage for this failure scenario: a CI job that runs "
        "`credgate audit --skip hooks`, so a `.gitignore` or gate regression fails the build"
    )
    add(
        "- [ ] Improve monitoring/alerting: the host's secret-scanning alerts and push protection; the "
        "providers' usage logs for the old credentials"
    )
    add("- [ ] Document lessons learned")
    add("")
    add("### Lessons Learned")
    add(f"- What went well? {TODO}")
    add(f"- What went poorly? {TODO}")
    add(f"- What will we do differently next time? {TODO}")
    add("")
    return "\n".join(lines)


def write_no_incident(out: TextIO) -> None:
    print("credgate: no secrets in the history of any ref: there is no incident to write up", file=out)


def write_written(path: str, count: int, out: TextIO) -> None:
    print(f"credgate: wrote the postmortem draft to {safe(path)} ({count} credential(s))", file=out)
