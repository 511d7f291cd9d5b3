#!/usr/bin/env python3
"""False alarms on real third-party code: findings per MB, credgate beside the anchors, in one run.

Each TREE is a directory of code nobody wrote for a secret scanner (a venv's site-packages,
a Node `node_modules`). Every tool scans every tree once:

    credgate scan --no-git --format json TREE
    gitleaks dir TREE -f json -r OUT --no-banner --exit-code 0
    betterleaks fs TREE -o OUT --no-banner --exit-code 0

credgate's findings are split into blocking ones and notices (placeholder-like values it
reports without blocking). The anchors' default configs allowlist paths: gitleaks skips
`node_modules` and `vendor`, and betterleaks 2.0 scans 0 bytes of a `site-packages` or
`node_modules` tree. `--rename-copy` also scans a hard-linked copy of each tree under a
neutral root with such directories renamed, so every tool reads the same content.

Usage:
    python bench/false_alarms.py TREE [TREE ...] [--credgate PATH] [--anchors DIR]
                                 [--rename-copy] [--show N] [--json FILE]

Prints a Markdown table; `--show N` also lists up to N of credgate's findings per tree
(path, line, rule, redacted value) for review. Exit status 0, or 2 when a tool is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

SKIP_DIRS = {".git"}
RENAMED = {"node_modules", "vendor", "site-packages", "dist-packages", "venv", ".venv", "bower_components"}
# gitleaks and betterleaks also skip a venv's `lib/python3.11/`: those directories are renamed as well.
RENAMED_RE = re.compile(r"^python\d+(?:\.\d+)*$")


@dataclass
class Run:
    tool: str
    findings: int
    notices: int = 0
    seconds: float = 0.0
    rules: dict[str, int] = field(default_factory=dict)
    sample: list[str] = field(default_factory=list)


def tree_mb(root: str) -> float:
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    total += os.path.getsize(path)
    return total / 1e6


def renamed_copy(root: str, workdir: str) -> str:
    """A hard-linked copy under a neutral root, dependency directories renamed: no path allowlist applies."""
    dest = os.path.join(workdir, "tree")
    subprocess.run(["cp", "-al", root, dest], check=True)
    for dirpath, dirnames, _ in os.walk(dest, topdown=False):
        for d in dirnames:
            if d in RENAMED or RENAMED_RE.match(d):
                os.rename(os.path.join(dirpath, d), os.path.join(dirpath, d + "_deps"))
    return dest


def run_credgate(exe: str, tree: str, show: int) -> Run:
    start = time.perf_counter()
    proc = subprocess.run([exe, "scan", "--no-git", "--format", "json", tree], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"credgate failed on {tree} (exit {proc.returncode}): {proc.stderr.strip()[:300]}")
    findings = json.loads(proc.stdout)["findings"]
    blocking = [f for f in findings if f.get("blocking", True)]
    rules: dict[str, int] = {}
    for f in blocking:
        rules[f["rule"]] = rules.get(f["rule"], 0) + 1
    sample = [
        f"{os.path.relpath(f['path'], tree)}:{f['line']} {f['rule']} {f['secret']}"
        + ("" if f.get("blocking", True) else " (notice)")
        for f in findings[:show]
    ]
    return Run("credgate", len(blocking), len(findings) - len(blocking), seconds, rules, sample)


def run_anchor(tool: str, exe: str, tree: str, workdir: str) -> Run:
    out = os.path.join(workdir, f"{tool}.json")
    if tool == "gitleaks":
        cmd = [exe, "dir", tree, "-f", "json", "-r", out, "--no-banner", "--exit-code", "0"]
    else:
        cmd = [exe, "fs", tree, "-o", out, "--no-banner", "--exit-code", "0"]
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        with open(out, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        doc = []
    items = doc if isinstance(doc, list) else doc.get("findings", [])
    rules: dict[str, int] = {}
    for item in items:
        rid = str(item.get("RuleID") or item.get("rule_id") or item.get("rule") or "?")
        rules[rid] = rules.get(rid, 0) + 1
    return Run(tool, len(items), 0, seconds, rules)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="+")
    ap.add_argument("--credgate", default=shutil.which("credgate") or "credgate")
    ap.add_argument("--anchors", default=os.environ.get("CREDGATE_ANCHOR_BIN", "/tmp/anchors/bin"))
    ap.add_argument("--rename-copy", action="store_true", help="also scan a renamed copy (see above)")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    if not os.path.exists(args.credgate) and shutil.which(args.credgate) is None:
        print(f"credgate not found: {args.credgate}", file=sys.stderr)
        return 2
    anchors = {t: os.path.join(args.anchors, t) for t in ("gitleaks", "betterleaks")}
    anchors = {t: p for t, p in anchors.items() if os.access(p, os.X_OK)}
    if not anchors:
        print(f"no anchors in {args.anchors}: run `bash ../shared/bench/anchors.sh`", file=sys.stderr)
        return 2
    rows = []
    for tree in args.trees:
        with tempfile.TemporaryDirectory(prefix="credgate-fa-") as workdir:
            variants = [(tree, tree)]
            if args.rename_copy:
                variants.append((tree + " (copy, dependency dirs renamed)", renamed_copy(tree, workdir)))
            for label, path in variants:
                mb = tree_mb(path)
                runs = [run_credgate(args.credgate, path, args.show)]
                runs += [run_anchor(t, exe, path, workdir) for t, exe in anchors.items()]
                rows.append((label, mb, runs))
    print("| tree | MB | tool | findings | per MB | notices (not blocking) | wall s | top rules |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
    for label, mb, runs in rows:
        for r in runs:
            top = ", ".join(f"{k} {v}" for k, v in sorted(r.rules.items(), key=lambda kv: -kv[1])[:3])
            notices = str(r.notices) if r.tool == "credgate" else "-"
            print(
                f"| {label} | {mb:.0f} | {r.tool} | {r.findings} | {r.findings / mb:.3f} | {notices} |"
                f" {r.seconds:.1f} | {top} |"
            )
    if args.show:
        for label, _, runs in rows:
            for line in runs[0].sample:
                print(f"- {label}: {line}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(
                [{"tree": label, "mb": mb, "runs": [r.__dict__ for r in runs]} for label, mb, runs in rows],
                fh,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
