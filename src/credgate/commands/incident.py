"""`credgate incident`: a postmortem draft, filled with the facts credgate can establish.

Follows the postmortem template of the incident document behind this project
(Incident Summary, Timeline, Root Cause, What Was Skipped, Follow-Up Actions,
Lessons Learned). Facts come from the history scan (which secret, which file,
which commit, when) and from the audit (was `.gitignore` covering the file, was
a hook or a CI gate enforcing anything); what only people know is left as a
visible TODO. Secrets appear redacted, as everywhere.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

import click

from credgate import gitio
from credgate.commands.history import collect, load_config
from credgate.engine.finding import Finding
from credgate.errors import CLEAN, FINDINGS, UsageError
from credgate.report import Stats, safe

TODO = "_TODO: fill in_"
CRITICAL_PROVIDERS = (
    "aws-",
    "gcp-",
    "google-",
    "azure-",
    "stripe-",
    "github-",
    "private-key",
    "openai-",
    "anthropic-",
)


def _md(text: str) -> str:
    """Escape for Markdown table cells and inline text."""
    return safe(text).replace("|", "\\|").replace("`", "'")


def _extra(f: Finding, key: str) -> Any:
    return dict(f.extra).get(key)


def _about(detail: str, paths: list[str]) -> bool:
    """Whether an audit line about a pattern (`` `.env.*` is NOT ignored``) concerns one of paths."""
    from fnmatch import fnmatch

    if not detail.startswith("`"):
        return False
    pattern = detail[1:].split("`", 1)[0]
    return any(fnmatch(os.path.basename(p), pattern) for p in paths)


def _when(f: Finding) -> datetime:
    return datetime.fromisoformat(str(_extra(f, "introduced_date")))


def draft(findings: list[Finding], checks: list[Any], repo: str, now: datetime) -> str:
    findings = sorted(findings, key=_when)
    first, last = _when(findings[0]), _when(findings[-1])
    days = (now - first).days
    severe = any(f.rule_id.startswith(CRITICAL_PROVIDERS) or f.severity == "critical" for f in findings)
    files = sorted({p for f in findings for p in _extra(f, "paths") or [f.path]})
    at_head = [f for f in findings if _extra(f, "present_at_head")]
    by_name = {c.name: c for c in checks}
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
    add("| credential | rule | file:line | introduced | commit | still at HEAD |")
    add("| --- | --- | --- | --- | --- | --- |")
    for f in findings:
        add(
            f"| {_md(f.rule_name)} `{f.redacted()}` | `{f.rule_id}` | `{_md(f.path)}:{f.line}` | "
            f"{_when(f):%Y-%m-%d} | `{f.commit[:12]}` | {'yes' if _extra(f, 'present_at_head') else 'no'} |"
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
    broke = [
        f"`{_md(f.path)}` line {f.line} held {_md(f.rule_name)} (commit `{f.commit[:12]}`)" for f in findings
    ]
    add("- **What broke:** " + "; ".join(broke[:8]) + ("; ..." if len(broke) > 8 else ""))
    add("- **Why it broke:**")
    for name in ("gitignore", "tracked", "history"):
        check = by_name.get(name)
        if check is not None and check.safe is False:
            # Lead with the ignore rules the leaked files themselves needed.
            ranked = sorted(check.details, key=lambda d: not _about(d, files))
            for detail in ranked[:6]:
                add(f"  - {detail}")
    if not any(
        by_name.get(n) is not None and by_name[n].safe is False for n in ("gitignore", "tracked", "history")
    ):
        add(f"  - {TODO} (`.gitignore` coverage holds today; check what it was when the file was committed)")
    add("- **Why it wasn't caught:**")
    for name in ("hooks", "ci"):
        check = by_name.get(name)
        if check is None:
            continue
        state = "in place" if check.safe else "NOT in place"
        add(f"  - {'Local hook' if name == 'hooks' else 'CI gate'} {state}:")
        for detail in check.details[:4]:
            add(f"    - {detail}")
    add("")
    add("### What Was Skipped During Hotfix")
    for item in (
        "Tests",
        "Cleanup (backup bundles and refs/credgate-backup/* left after the rewrite)",
        "Memory updates",
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
    add("- [ ] Add test coverage for this failure scenario")
    add("- [ ] Update Regressions.md")
    add("- [ ] Document lessons learned")
    add("")
    add("### Lessons Learned")
    add(f"- What went well? {TODO}")
    add(f"- What went poorly? {TODO}")
    add(f"- What will we do differently next time? {TODO}")
    add("")
    return "\n".join(lines)


def write_new_file(path: str, data: bytes) -> None:
    """Create path and write data, or refuse: never overwrite, never write through a link.

    O_CREAT|O_EXCL fails on any existing entry, a dangling symlink included (a plain exists()
    check says False for one, and open() would then create the file the link points to).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        kind = "is a symbolic link" if os.path.islink(path) else "exists"
        raise UsageError(
            f"{safe(path)} {kind}; credgate never overwrites a file or writes through a link",
            "choose another --output path",
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot create {safe(path)}: {exc.strerror}", "choose another --output path"
        ) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def run(
    *,
    output: str | None = None,
    include_reflog: bool = True,
    config_path: str | None = None,
    out: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    out = out or sys.stdout
    cfg = load_config(config_path)
    findings = collect(cfg, include_reflog, Stats())
    if not findings:
        print("credgate: no secrets in the history of any ref: there is no incident to write up", file=out)
        return CLEAN
    from credgate.commands.audit import audit

    checks = audit()
    repo = os.path.basename(gitio.toplevel())
    text = draft(findings, checks, repo, now or datetime.now(timezone.utc))
    if output:
        write_new_file(output, text.encode("utf-8"))
        print(
            f"credgate: wrote the postmortem draft to {safe(output)} ({len(findings)} credential(s))",
            file=out,
        )
    else:
        print(text, file=out)
    return FINDINGS


@click.command("incident")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the draft here (never overwritten)."
)
@click.option("--no-reflog", is_flag=True, help="Leave out commits only the reflog still holds.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use.")
@click.pass_context
def command(ctx: click.Context, output: str | None, no_reflog: bool, config_path: str | None) -> None:
    """Write a postmortem draft (Markdown) from the secrets in history and the audit's findings."""
    ctx.exit(run(output=output, include_reflog=not no_reflog, config_path=config_path))
