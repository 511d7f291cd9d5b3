#!/usr/bin/env python3
"""Directory-scan throughput: credgate side by side with gitleaks, betterleaks and kingfisher.

Times, round-robin with the start rotated each round, each tool's scan of every file under each
directory given (a site-packages tree from `pip install --target`, a checkout), and reports the
median wall seconds, MB/s, and credgate's MB/s as a ratio of each anchor's from the same rounds:

    credgate scan --no-git --format json DIR
    gitleaks dir DIR -f json -r OUT --no-banner -l error --exit-code 0
    betterleaks fs DIR -o OUT --no-banner --exit-code 0 -l error --no-color
    kingfisher scan DIR --no-validate --no-update-check --no-dedup -f jsonl -o OUT -q

The anchors' commands are those of ../shared/bench/score.py. MB counts the regular files under the
directory (symlinks not followed, `.git` excluded), the same bytes for every tool. Each tool's exit
code is checked (credgate: 0 or 1; anchors: 0), and a failed run is reported, not timed silently.

Usage:
    python bench/dir_speed.py DIR [DIR ...] [--rounds 3] [--warmup 1] [--credgate PATH]
                              [--baseline PATH] [--anchors DIR] [--only credgate,kingfisher] [--json out.json]

`--baseline PATH` times another build of credgate (its own cache directory) in the same rounds, as the
row `credgate-baseline`: its ratio is the new build's MB/s over the old one's.

The machine's load varies from minute to minute: read the ratios, which come from interleaved
runs, rather than any absolute figure. HOME, XDG_CACHE_HOME and CREDGATE_CACHE_DIR point inside a
temporary directory (the warm-up round fills credgate's caches, as after a first run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TOOLS = ("credgate", "gitleaks", "betterleaks", "kingfisher")
BASELINE = "credgate-baseline"  # another build of credgate (--baseline), timed in the same rounds


def tree_bytes(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files += 1
                size += os.path.getsize(path)
    return files, size


def command(tool: str, exe: str, target: Path, out: Path) -> list[str]:
    if tool in ("credgate", BASELINE):
        return [exe, "scan", "--no-git", "--format", "json", str(target)]
    if tool == "gitleaks":
        return [exe, "dir", str(target), "-f", "json", "-r", str(out), "--no-banner", "-l", "error",
                "--exit-code", "0"]  # fmt: skip
    if tool == "betterleaks":
        return [exe, "fs", str(target), "-o", str(out), "--no-banner", "--exit-code", "0", "-l", "error",
                "--no-color"]  # fmt: skip
    return [exe, "scan", str(target), "--no-validate", "--no-update-check", "--no-dedup", "-f", "jsonl",
            "-o", str(out), "-q"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dirs", nargs="+", help="directories to scan")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--credgate", help="credgate executable (default: next to this interpreter)")
    parser.add_argument("--baseline", metavar="CREDGATE", help="another build's credgate, timed alongside")
    parser.add_argument("--anchors", default=os.environ.get("CREDGATE_ANCHOR_BIN") or "/tmp/anchors/bin")
    parser.add_argument("--only", help="comma-separated subset of " + ",".join(TOOLS))
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    credgate = args.credgate or str(Path(sys.executable).parent / "credgate")
    if not os.access(credgate, os.X_OK):
        credgate = shutil.which("credgate") or ""
    if not credgate:
        print("error: credgate not found (pass --credgate)", file=sys.stderr)
        return 2
    wanted = args.only.split(",") if args.only else list(TOOLS)
    exes = {"credgate": credgate}
    for tool in TOOLS[1:]:
        exe = Path(args.anchors) / tool
        if tool in wanted and os.access(exe, os.X_OK):
            exes[tool] = str(exe)
        elif tool in wanted:
            print(
                f"warning: {tool} not found at {exe}: skipped (bash ../shared/bench/anchors.sh)",
                file=sys.stderr,
            )
    tools = [t for t in TOOLS if t in exes and t in wanted]
    if args.baseline:
        exes[BASELINE] = args.baseline
        tools.insert(1, BASELINE)
    tmp = Path(tempfile.mkdtemp(prefix="credgate-dir-speed-"))
    env = dict(
        os.environ, HOME=str(tmp), XDG_CACHE_HOME=str(tmp / "cache"), CREDGATE_CACHE_DIR=str(tmp / "cg")
    )
    env["KF_RULE_CACHE_DIR"] = str(tmp / "kf")
    os.makedirs(tmp / "kf", exist_ok=True)
    report: dict[str, Any] = {"loadavg_start": os.getloadavg(), "trees": {}}
    failed = False
    try:
        for d in args.dirs:
            root = Path(d).resolve()
            files, size = tree_bytes(root)
            samples: dict[str, list[float]] = {t: [] for t in tools}
            for rnd in range(args.warmup + args.rounds):
                k = rnd % len(tools)
                for tool in tools[k:] + tools[:k]:
                    out = tmp / (f"{tool}.jsonl" if tool == "kingfisher" else f"{tool}.json")
                    argv_ = command(tool, exes[tool], root, out)
                    run_env = dict(env, CREDGATE_CACHE_DIR=str(tmp / "cg-base")) if tool == BASELINE else env
                    start = time.perf_counter()
                    proc = subprocess.run(argv_, env=run_env, cwd=tmp, capture_output=True)
                    elapsed = time.perf_counter() - start
                    ok = proc.returncode in ((0, 1) if tool in ("credgate", BASELINE) else (0,))
                    if not ok:
                        failed = True
                        tail = (proc.stderr or proc.stdout).decode(errors="replace").strip()[-400:]
                        print(f"{tool} on {root}: exit {proc.returncode}: {tail}", file=sys.stderr)
                    if rnd >= args.warmup:
                        samples[tool].append(elapsed)
            mb = size / 1e6
            rows = {
                t: {"median_s": statistics.median(v), "mb_per_s": mb / statistics.median(v)}
                for t, v in samples.items()
            }
            cg = rows["credgate"]["mb_per_s"] if "credgate" in rows else None
            for row in rows.values():
                row["credgate_ratio"] = cg / row["mb_per_s"] if cg else None
            report["trees"][str(root)] = {"files": files, "mb": mb, "tools": rows, "samples_s": samples}
        report["loadavg_end"] = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("# Directory-scan throughput\n")
    print(f"- {args.rounds} timed rounds after {args.warmup} warm-up, tools interleaved, start rotated")
    start_load, end_load = report["loadavg_start"][0], report.get("loadavg_end", [0])[0]
    print(f"- load average at start {start_load:.1f}, at end {end_load:.1f}")
    print("\n| tree | files | MB | tool | median s | MB/s | credgate MB/s / tool MB/s |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    for tree, res in report["trees"].items():
        for t, row in res["tools"].items():
            ratio = "-" if t == "credgate" else f"{row['credgate_ratio']:.2f}x"
            print(f"| {tree} | {res['files']} | {res['mb']:.0f} | {t} | {row['median_s']:.2f} | "
                  f"{row['mb_per_s']:.1f} | {ratio} |")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
