"""Text and JSON of `credgate check-gitignore`: one line per blocking pattern, the advice, then a fix
that works from where the user is (a shell line with nothing but git, or the pre-commit hook)."""

from __future__ import annotations

import os
import shlex
from typing import Sequence, TextIO

from credgate import __version__, ignore, policy
from credgate.gate.coverage import ROOT, Judgement, Plan, Removal, RootFile, status
from credgate.output import escape as output_escape
from credgate.output.escape import safe

_SHOWN = 3  # probe paths named per line before "+N more"


def shown_source(path: str, top: str) -> str:
    """info/exclude and core.excludesFile are absolute: show them relative to the work tree when inside it."""
    if os.path.isabs(path):
        rel = os.path.relpath(path, top)
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return path


def rule_text(rule: ignore.Rule, top: str) -> str:
    return safe(f"{shown_source(rule.source_path, top)}:{rule.line}: {rule.pattern}")


def _some(paths: Sequence[str]) -> str:
    shown = ", ".join(safe(p) for p in paths[:_SHOWN])
    return shown + (f" (+{len(paths) - _SHOWN} more)" if len(paths) > _SHOWN else "")


def _where(results: Sequence[ignore.ProbeResult], top: str) -> str:
    """Why one pattern's probes fail, on one line: the probes grouped by what decided them."""
    groups: dict[tuple[str, ignore.Rule | None], list[str]] = {}
    for r in results:
        if not r.ignored:
            groups.setdefault(("not", r.decided_by), []).append(r.probe)
        elif r.personal_only:
            groups.setdefault(("personal", r.decided_by), []).append(r.probe)
    parts = []
    for (what, rule), probes in groups.items():
        if what == "personal" and rule is not None and rule.source_kind == "gitignore":
            where = f"ignored only by {rule_text(rule, top)}, which is not committed or staged"
        elif what == "personal" and rule is not None:
            where = f"ignored only by {rule_text(rule, top)} (this machine only)"
        elif what == "personal":
            where = "ignored only by a personal excludes file (this machine only)"
        elif rule is not None:
            where = f"re-included by {rule_text(rule, top)}"
        else:
            where = "not ignored: no rule matches"
        parts.append(f"{_some(probes)}  {where}")
    return "; ".join(parts)


def append_command(lines: Sequence[str], root: RootFile, raw: str | None) -> str:
    """A shell line that appends lines to the root .gitignore and stages it: copy-pasteable from any
    shell, with nothing installed but git (a pre-commit user has no `credgate` on PATH)."""
    # A last user line without its newline must stay whole: end it first.
    sep = f"echo >> {ROOT} && " if raw and not raw.endswith("\n") else ""
    quoted = " ".join(shlex.quote(safe(line)) for line in lines)
    return f"{sep}printf '%s\\n' {quoted} >> {ROOT} && git add {ROOT}"


def fix_commands(lines: Sequence[str], root: RootFile, raw: str | None) -> list[str]:
    """How to fix it from where the user is: under pre-commit, credgate is not on PATH."""
    out = [f"fix: {append_command(lines, root, raw)}"]
    if os.environ.get("PRE_COMMIT") == "1":
        out.append(
            " or: pre-commit run credgate-gitignore-fix --hook-stage manual  (add"
            " `- id: credgate-gitignore-fix` to credgate's hooks in .pre-commit-config.yaml;"
            " it adds every missing pattern)"
        )
    else:
        out.append(
            " or: credgate check-gitignore --fix  (adds every missing pattern, in a block credgate manages)"
        )
    return out


def write_text(
    cov: ignore.Coverage,
    protected: Sequence[policy.Protected],
    root: RootFile,
    fix_plan: Plan,
    to_remove: list[Removal],
    changed: bool,
    top: str,
    out: TextIO,
    *,
    blocking: frozenset[str] = frozenset(),
    required: Sequence[str] = (),
    raw: str | None = None,
    verbose: bool = False,
) -> None:
    """One line per blocking pattern, one line for the advice, then the fix: a short report that
    puts the finding first (the incident repository gets about a dozen lines)."""
    if changed:
        verb = "updated credgate's block in" if root.block else "added credgate's block to"
        print(f"credgate: {verb} {ROOT}; review it, then stage it: git add {ROOT}", file=out)
    failing = cov.failing_patterns()
    hard = [p for p in failing if p in blocking]
    soft = [p for p in failing if p not in blocking]
    why = {p.pattern: p.why for p in protected}
    if hard:
        n = len(hard)
        print(f"credgate: {ROOT} does not keep out {n} credential file pattern{'s' * (n != 1)}:", file=out)
        for pattern in hard:
            results = [r for r in cov.results if r.pattern == pattern]
            print(f"  {safe(pattern)}  {_where(results, top)}  ({safe(why.get(pattern, ''))})", file=out)
    if soft and (hard or verbose):
        n = len(soft)
        print(
            f"credgate: advice (not blocking; --strict blocks on them): {n} more pattern{'s' * (n != 1)}"
            f" not ignored: {', '.join(safe(p) for p in soft)}",
            file=out,
        )
    if not hard:
        return
    shown = [r for r in cov.results if r.pattern in blocking]
    unshared = sorted(
        {r.decided_by.source_path for r in shown if r.personal_only and r.decided_by is not None
         and r.decided_by.source_kind == "gitignore"}
    )  # fmt: skip
    if unshared:
        quoted = " ".join(shlex.quote(safe(p)) for p in unshared)
        print(f"  a .gitignore protects teammates and CI once it is committed: git add -- {quoted}", file=out)
    if any(r.personal_only and (r.decided_by is None or r.decided_by.source_kind != "gitignore")
           for r in shown):  # fmt: skip
        print(f"  info/exclude and core.excludesFile stay on this machine: put the rule in {ROOT}", file=out)
    add = [line for line in required if line not in root.block_body]
    if add and not changed:
        for line in fix_commands(add, root, raw):
            print(line, file=out)
    if to_remove:
        print("Remove these lines: no line added to the root .gitignore can override them.", file=out)
        for item in to_remove:
            if item.rule.source_path == ROOT:
                reason = "it comes after credgate's block, and the last matching line wins"
            else:
                reason = "a .gitignore in a subdirectory overrides the root one"
            print(f"    {rule_text(item.rule, top)}  re-includes {_some(item.probes)}; {reason}", file=out)


def to_json(
    cov: ignore.Coverage,
    protected: Sequence[policy.Protected],
    root: RootFile,
    fix_plan: Plan,
    to_remove: list[Removal],
    changed: bool,
    top: str,
    rc: int,
    blocking: frozenset[str] = frozenset(),
) -> str:
    def rule_doc(rule: ignore.Rule | None) -> dict[str, object] | None:
        if rule is None:
            return None
        return {
            "source_kind": rule.source_kind,
            "source": safe(shown_source(rule.source_path, top)),
            "line": rule.line,
            "pattern": safe(rule.pattern),
            "negated": rule.negated,
        }

    patterns = []
    for item in protected:
        results = [r for r in cov.results if r.pattern == item.pattern]
        patterns.append(
            {
                "pattern": item.pattern,
                "kind": item.kind,
                "why": item.why,
                "blocking": item.pattern in blocking,
                "status": status(results),
                "probes": len(results),
                "failing": [
                    {
                        "probe": safe(r.probe),
                        "ignored": r.ignored,
                        "personal_only": r.personal_only,
                        "rule": rule_doc(r.decided_by),
                    }
                    for r in results
                    if not r.ignored or r.personal_only
                ],
            }
        )
    doc = {
        "tool": "credgate",
        "version": __version__,
        "exit_code": rc,
        "covered": cov.covered,
        "gitignore": ROOT,
        "patterns": patterns,
        "add": [safe(line) for line in fix_plan.body if line not in root.block_body] if not changed else [],
        "block": [safe(line) for line in (fix_plan.body if changed else root.block_body)],
        "remove": [
            {**(rule_doc(item.rule) or {}), "probes": [safe(p) for p in item.probes]} for item in to_remove
        ],
        "fixed": changed,
    }
    return output_escape.dumps_json(doc)


def render(j: Judgement, out: TextIO, fmt: str = "text", verbose: bool = False) -> None:
    if fmt == "json":
        print(to_json(j.coverage, j.protected, j.root, j.fix_plan, j.removals, j.changed, j.top, j.rc,
                      j.blocking), file=out)  # fmt: skip
        return
    write_text(j.coverage, j.protected, j.root, j.fix_plan, j.removals, j.changed, j.top, out,
               blocking=j.blocking, required=j.required, raw=j.raw, verbose=verbose)  # fmt: skip


def summary(j: Judgement) -> str:
    """The -v line on stderr: how much was probed."""
    n = len({r.probe for r in j.coverage.results})
    return (
        f"credgate: checked {len(j.protected)} credential file patterns ({len(j.blocking)} blocking;"
        f" {n} probe paths in {len(j.dirs)} directories) against {len(j.sources)} ignore file(s)"
    )
