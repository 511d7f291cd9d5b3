"""What `credgate suppressions` lists: every inline allow marker in the tracked files and every
baseline entry, with the line it matches today. No click and no printing (output/suppressions.py)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from functools import partial

from credgate import baseline as bl
from credgate import config as config_mod
from credgate import gitio
from credgate.engine import filters


@dataclass(frozen=True)
class Suppression:
    kind: str  # "marker" or "baseline"
    path: str
    line: int | None  # None: a baseline entry that matches nothing today
    marker: str  # the marker word, or the baseline file
    rules: tuple[str, ...]  # () for every rule
    reason: str
    scope: str  # "line", "next line" or "path"


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
    from credgate.gate.report import Stats
    from credgate.gate.scanning import build_scanner, read_disk

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


def collect(root: str, cfg: config_mod.Config) -> list[Suppression]:
    return inline_markers(root) + baseline_entries(root, cfg)
