"""`credgate suppressions`: everything the team has waved through, for a reviewer to audit.

Every inline marker in the tracked files (credgate's, detect-secrets' and the other scanners' words
credgate honours; engine.filters holds the one list), found with `git grep` over the index, and every
baseline entry, each with its path, line, rule and reason. The scanned line itself is never printed:
the line a marker sits on usually holds the value it allows.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass
from functools import partial
from typing import TextIO

import click

from credgate import baseline as bl
from credgate import config as config_mod
from credgate import gitio, output_escape
from credgate.engine import filters
from credgate.errors import CLEAN
from credgate.report import safe


@dataclass(frozen=True)
class Suppression:
    kind: str  # "marker" or "baseline"
    path: str
    line: int | None  # None: a baseline entry that matches nothing today
    marker: str  # the marker word, or the baseline file
    rules: tuple[str, ...]  # () for every rule
    reason: str
    scope: str  # "line", "next line" or "path"

    def doc(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "path": safe(self.path),
            "line": self.line,
            "marker": safe(self.marker),
            "rules": [safe(r) for r in self.rules] or "all",
            "reason": safe(self.reason),
            "scope": self.scope,
        }


def markers_in(path: str, line: int, text: bytes) -> list[Suppression]:
    """The markers on one line: a `credgate:allow=A,B` names its rules, a bare word covers every rule."""
    out = []
    reason = filters.marker_reason(text)
    for ids in filters.allow_marker_ids(text):
        rules = tuple(sorted(ids)) if ids is not None else ()
        out.append(Suppression("marker", path, line, "credgate:allow", rules, reason, "line"))
    for word in filters.FOREIGN_MARKERS:
        if word in text:
            out.append(Suppression("marker", path, line, word.decode(), (), reason, "line"))
    for word in filters.NEXT_LINE_MARKERS:
        if word in text:
            out.append(Suppression("marker", path, line, word.decode(), (), reason, "next line"))
    return out


def inline_markers(root: str) -> list[Suppression]:
    words = [*filters.SAME_LINE_MARKERS, *filters.NEXT_LINE_MARKERS]
    found: list[Suppression] = []
    for path, line, text in gitio.grep_cached(words, root):
        found += markers_in(path, line, text)
    return found


def baseline_entries(root: str, cfg: config_mod.Config) -> list[Suppression]:
    """The baseline's entries, each with the line it matches today (None if it matches nothing)."""
    if cfg.baseline is None or not os.path.isfile(cfg.baseline):
        return []
    from credgate.commands._common import build_scanner, read_disk
    from credgate.report import Stats

    baseline = bl.load(cfg.baseline)
    shown = os.path.relpath(cfg.baseline, root)
    scan_cfg = dataclasses.replace(cfg, baseline=None, _spec=None, _large_spec=None)
    scanner = build_scanner(scan_cfg)
    read = bl.make_reader(root, cfg.max_file_size)
    lines: dict[bl.Entry, int] = {}
    for path in sorted({e.path for e in baseline.entries}):
        full = os.path.join(root, *path.split("/"))
        if not os.path.isfile(full) or os.path.islink(full):
            continue
        data = read_disk(full, cfg.max_file_size, Stats(), path)
        if data is None:
            continue
        for f in scanner.scan(data, path).findings:
            key = bl.value_key(f, partial(read, f))
            entry = bl.Entry(path, f.rule_id, key or "")
            if entry in baseline.entries:
                lines.setdefault(entry, f.line)
    reasons = {e: e.reason for e in baseline.entries}
    return [
        Suppression("baseline", e.path, lines.get(e), shown, (e.rule,), reasons[e], "path")
        for e in sorted(baseline.entries)
    ]


def write_text(items: list[Suppression], out: TextIO) -> None:
    if not items:
        print("credgate: no inline allow markers and no baseline entries", file=out)
        return
    markers = [s for s in items if s.kind == "marker"]
    entries = [s for s in items if s.kind == "baseline"]
    for title, group in (("inline markers", markers), ("baseline entries", entries)):
        if not group:
            continue
        print(f"credgate: {len(group)} {title}:", file=out)
        for s in group:
            where = (
                f"{safe(s.path)}:{s.line}"
                if s.line is not None
                else f"{safe(s.path)} (matches nothing today)"
            )
            rules = ",".join(safe(r) for r in s.rules) or "all rules"
            scope = "" if s.scope in ("line", "path") else f" ({s.scope})"
            reason = f'  reason "{safe(s.reason)}"' if s.reason else "  (no reason given)"
            print(f"  {where}  {safe(s.marker)}{scope}  {rules}{reason}", file=out)


def run(*, fmt: str = "text", config_path: str | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    root = gitio.toplevel()
    cfg = config_mod.find(root, config_path)
    items = inline_markers(root) + baseline_entries(root, cfg)
    if fmt == "json":
        doc = {
            "tool": "credgate",
            "suppressions": [s.doc() for s in items],
            "counts": {
                "markers": sum(s.kind == "marker" for s in items),
                "baseline": sum(s.kind == "baseline" for s in items),
                "without_reason": sum(not s.reason for s in items),
            },
        }
        print(output_escape.dumps_json(doc), file=out)
    else:
        write_text(items, out)
    return CLEAN


@click.command("suppressions")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use "
              "instead of .credgate.toml at the repository root.")  # fmt: skip
@click.pass_context
def command(ctx: click.Context, fmt: str, config_path: str | None) -> None:
    """List every inline allow marker in tracked files and every baseline entry, with its reason.

    For a reviewer auditing what the team has waved through. Never prints the lines themselves.
    """
    ctx.exit(run(fmt=fmt, config_path=config_path))
