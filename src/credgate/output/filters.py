"""`credgate filters list` and `credgate filters check` as text, JSON and Markdown (docs/filters.md).

docs/filters.md is this module's Markdown, committed: regenerate it with
`credgate filters list --format markdown > docs/filters.md` (a test fails when it is stale).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from credgate.engine.filters import FILTERS
from credgate.engine.filters.check import Outcome, Problem
from credgate.engine.filters.entry import Example, Filter
from credgate.output.escape import safe

DOC_COMMAND = "credgate filters list --format markdown > docs/filters.md"
_EXAMPLE_MARKER = '<!-- credgate:allow reason="a filter example, run by credgate filters check" -->'


def as_dict(order: int | None, f: Filter) -> dict[str, Any]:
    """One entry as data; `order` is its place in the judging order (None: never judged on its own)."""

    def examples(items: tuple[Example, ...]) -> list[dict[str, str]]:
        return [{"text": e.text, "path": e.path, "rule": e.rule} for e in items]

    return {
        "order": order,
        "name": f.name,
        "chained": f.chained,
        "verdict": f.verdict,
        "notice": f.notice,
        "scope": f.scope.describe(),
        "summary": f.summary,
        "yields_to": list(f.yields_to),
        "replaces": list(f.after),
        "rule_ids": sorted(f.rule_ids),
        "positives": examples(f.positives),
        "negatives": examples(f.negatives),
    }


def write_list(fmt: str, out: TextIO) -> None:
    if fmt == "json":
        rows = [as_dict(i if f.chained else None, f) for i, f in enumerate(FILTERS, 1)]
        print(json.dumps(rows, indent=2), file=out)
    elif fmt == "markdown":
        out.write(markdown())
    else:
        for i, f in enumerate(FILTERS, 1):
            order = str(i) if f.chained else "-"
            print(f"{order:>3} {f.name:34} {f.verdict:6} {safe(f.scope.describe())}", file=out)


def write_check(
    fmt: str, problems: list[Problem], outcomes: list[Outcome], verbose: bool, out: TextIO
) -> None:
    status = "FAILED" if problems else "ok"
    if fmt == "json":
        doc = {
            "filters": len(FILTERS),
            "examples": len(outcomes),
            "status": status,
            "problems": [{"filter": p.filter, "message": p.message} for p in problems],
            "examples_run": [
                {
                    "filter": o.filter,
                    "kind": o.kind,
                    "index": o.index,
                    "path": o.example.path,
                    "rule": o.example.rule,
                    "verdicts": [v or "blocks" for v in o.verdicts],
                    "ok": not o.problem,
                }
                for o in outcomes
            ],
        }
        print(json.dumps(doc, indent=2), file=out)
        return
    if verbose:
        for o in outcomes:
            verdicts = ", ".join(v or "blocks" for v in o.verdicts) or "no match"
            mark = "FAIL" if o.problem else "ok"
            where = f"{o.kind} #{o.index} ({safe(o.example.path)})"
            print(f"{mark:4} {o.filter} {where}: {o.example.rule}: {verdicts}", file=out)
    for p in problems:
        print(f"{p.filter}: {safe(p.message)}", file=out)
    counts = f"{len(FILTERS)} filters, {len(outcomes)} examples, {len(problems)} problem(s)"
    print(f"filters check: {counts}: {status}", file=out)


def _code(text: str) -> str:
    """A Markdown code span that holds any text on one line."""
    text = text.replace("\n", "\\n")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") or fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _section(order: str, f: Filter) -> list[str]:
    lines = [f"### {f.name}", "", f.summary, ""]
    verdict = "drop the match" if f.verdict == "drop" else f'notice (does not block): "{f.notice}"'
    lines.append(f"- Order: {order}")
    lines.append(f"- Verdict: {verdict}")
    lines.append(f"- Scope: {f.scope.describe()}")
    if f.yields_to:
        lines.append(
            f"- Gives way to: {', '.join(f.yields_to)} (that notice is reported instead when it also holds)"
        )
    if f.after:
        lines.append(f"- Replaces the verdicts: {', '.join(f.after)} (when it holds)")
    if f.settles:
        lines.append("- Settles: a notice pending from an earlier filter becomes the verdict")
    standing = [g.name for g in FILTERS if f.name in g.yields_to]
    if standing:
        lines.append(f"- Stands in for: {', '.join(standing)} (when they fire and this also holds)")
    if f.blocks_where is not None:
        where = (f.blocks_where.__doc__ or "").strip().splitlines()[0]
        lines.append(f"- Blocks instead, as a finding, in: {where[:1].lower()}{where[1:]}")
    if f.rule_ids:
        lines.append(f"- Rules it names: {', '.join(sorted(f.rule_ids))}")
    for label, examples in (("Judged", f.positives), ("Not judged", f.negatives)):
        for e in examples:
            # A sample written for another file's context may read as a credential in this one.
            lines.append(f"- {label}: {_code(e.text)} in `{e.path}` ({e.rule}) {_EXAMPLE_MARKER}")
    return [*lines, ""]


def markdown() -> str:
    lines = [
        "# Filters",
        "",
        f"<!-- Generated from the registry in src/credgate/engine/filters/: `{DOC_COMMAND}`. "
        "Do not edit by hand; a test fails when this file is stale. -->",
        "",
        "A rule's match goes through these filters in order; the first that fires judges it, and "
        "`credgate scan -v` names it. A filter either **drops** the match or turns it into a **notice**, "
        'which is reported but does not block (`notices = "block"` in `.credgate.toml` makes notices block, '
        '`"hide"` drops them). A filter that gives way to a notice reports that notice instead when it also '
        "holds: a weak password typed where a placeholder goes is worth a look. Filters without an order "
        "never fire on their own.",
        "",
        "Scopes: *generic rules* are the context rules (`generic = true`: a value under a credential's "
        "name); *provider rules* match a token by its own format. Each filter's examples are files "
        "(`%%rand:alnum:12%%` and the like are expanded at check time, so no credential is stored here); "
        "`credgate filters check` scans them with the bundled rules and checks which filter judged each.",
        "",
        "| # | Filter | Verdict | Scope |",
        "|---:|---|---|---|",
    ]
    orders = {f.name: str(i) for i, f in enumerate((f for f in FILTERS if f.chained), 1)}
    for f in FILTERS:
        lines.append(
            f"| {orders.get(f.name, '-')} | [{f.name}](#{f.name}) | {f.verdict} | {f.scope.describe()} |"
        )
    lines += ["", "## The filters", ""]
    for f in FILTERS:
        lines += _section(orders.get(f.name, "not judged on its own"), f)
    return "\n".join(lines).rstrip("\n") + "\n"
