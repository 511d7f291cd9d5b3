#!/usr/bin/env python3
"""Per-call cost of `Scanner.scan` on real texts: calls/s and MB/s, one build against another in one run.

A history scan calls `Scanner.scan` once per changed file per commit (about 100,000 calls on sympy/sympy),
mostly on texts of a few hundred bytes to a few KB with no secret in them, and a directory scan once per
file: the fixed cost of one call matters as much as the bytes per second. This script builds a corpus of
such texts and times the engine alone over it (no git, no file reading, no process start-up):

- `--history REPO -n N`: the added lines of each file of the last N non-merge commits of REPO
  (`git log -p -U0 --no-merges`), one text per file per commit, with its path;
- `--tree DIR --tree-files M`: M regular files under DIR (every k-th of the sorted walk, at most
  `--max-kb` each), read whole.

Each build runs in its own process (`--baseline PYTHON` names another build's interpreter; the default
build is this interpreter's), over the same corpus, written once to a temporary file. Rounds alternate
between the builds with the start rotated, so the machine's load falls on both alike; each process
scans the corpus once untimed (it compiles the patterns and the prefilter databases, as a long scan's
first files do), then `--passes` times timed. Reported: calls/s, MB/s and CPU per call for each build and
group, the new/old ratio of medians, and whether every result (findings, suppressions, kinds; compared
by digest, never printed) is identical between the builds.

    python bench/scan_calls.py --history /tmp/sympy.git -n 3000 --tree /tmp/sp-bench --tree-files 3000 \\
        --baseline /tmp/eng-base/bin/python --rounds 3
    python bench/scan_calls.py --history /tmp/sympy.git -n 1000 --profile   # cProfile of this build

Exit 0 when the builds agree on every result, 1 when any differs (the paths are named), 2 on bad
arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

Corpus = dict[str, list[tuple[str, bytes]]]  # group -> [(path, text)]


def history_texts(repo: str, commits: int) -> list[tuple[str, bytes]]:
    """The added lines of each file of each of the last `commits` non-merge commits."""
    out = subprocess.run(
        ["git", "-C", repo, "log", "-p", "-U0", "--no-merges", "--no-color", "--no-renames",
         "--format=%x00%H", "-n", str(commits)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    texts: list[tuple[str, bytes]] = []
    path: str | None = None
    lines: list[bytes] = []

    def flush() -> None:
        if path is not None and lines:
            texts.append((path, b"\n".join(lines) + b"\n"))

    for line in out.split(b"\n"):
        if line.startswith(b"\x00") or line.startswith(b"diff --git "):
            flush()
            path, lines = None, []
        elif line.startswith(b"+++ "):
            name = line[4:]
            path = None if name == b"/dev/null" else os.fsdecode(name[2:] if name.startswith(b"b/") else name)
        elif line.startswith(b"+") and path is not None:
            lines.append(line[1:])
    flush()
    return texts


def tree_texts(root: str, count: int, max_kb: int) -> list[tuple[str, bytes]]:
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if os.path.isfile(full) and not os.path.islink(full) and os.path.getsize(full) <= max_kb * 1024:
                files.append(full)
    step = max(1, len(files) // count) if count else 1
    picked = files[::step][:count] if count else files
    texts = []
    for full in picked:
        with open(full, "rb") as fh:
            texts.append((os.path.relpath(full, root), fh.read()))
    return texts


def _digest(result: Any) -> str:
    h = hashlib.sha256()
    h.update(result.kind.encode())
    h.update(repr(result.findings).encode("utf-8", "surrogateescape"))
    h.update(repr(result.suppressed).encode("utf-8", "surrogateescape"))
    h.update(repr(result.allowed).encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:16]


def worker(corpus_file: str, passes: int, cache: str) -> None:
    """Run in the build's own interpreter: time its Scanner over the corpus, print JSON."""
    from credgate.engine.rules import load
    from credgate.engine.scanner import Scanner

    with open(corpus_file, "rb") as fh:
        corpus: Corpus = pickle.load(fh)
    scanner = Scanner(load((), cache))
    total = sum(len(t) for texts in corpus.values() for _, t in texts)
    scanner.ruleset.prefilter().warm(total)
    report: dict[str, Any] = {}
    for group, texts in corpus.items():
        digests = [_digest(scanner.scan(text, path)) for path, text in texts]  # untimed: compiles, warms
        walls, cpus = [], []
        for _ in range(passes):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for path, text in texts:
                scanner.scan(text, path)
            walls.append(time.perf_counter() - wall0)
            cpus.append(time.process_time() - cpu0)
        report[group] = {"wall": min(walls), "cpu": min(cpus), "digests": digests}
    print(json.dumps(report))


def profile(corpus: Corpus, top: int) -> None:
    import cProfile
    import pstats

    from credgate.engine.rules import load
    from credgate.engine.scanner import Scanner

    with tempfile.TemporaryDirectory() as cache:
        scanner = Scanner(load((), cache))
        scanner.ruleset.prefilter().warm(sum(len(t) for texts in corpus.values() for _, t in texts))
        for texts in corpus.values():
            for path, text in texts:
                scanner.scan(text, path)
        prof = cProfile.Profile()
        prof.enable()
        for texts in corpus.values():
            for path, text in texts:
                scanner.scan(text, path)
        prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--history", metavar="REPO", help="a git repository (bare is fine), only read")
    parser.add_argument("-n", type=int, default=3000, help="commits of --history (default 3000)")
    parser.add_argument(
        "--tree", metavar="DIR", help="a directory of files (a site-packages tree), only read"
    )
    parser.add_argument("--tree-files", type=int, default=3000, help="files of --tree (default 3000)")
    parser.add_argument("--max-kb", type=int, default=1024, help="largest --tree file taken (default 1024)")
    parser.add_argument("--baseline", metavar="PYTHON", help="the other build's interpreter")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=1, help="timed passes per process (best kept)")
    parser.add_argument("--profile", action="store_true", help="cProfile this build instead of timing")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.passes, args.cache)
        return 0
    if not args.history and not args.tree:
        parser.error("give --history REPO and/or --tree DIR")
    corpus: Corpus = {}
    if args.history:
        corpus["history"] = history_texts(args.history, args.n)
    if args.tree:
        corpus["tree"] = tree_texts(args.tree, args.tree_files, args.max_kb)
    for group, texts in corpus.items():
        size = sum(len(t) for _, t in texts)
        middle = statistics.median(len(t) for _, t in texts)
        print(f"- {group}: {len(texts)} texts, {size / 1e6:.2f} MB, median {middle:.0f} B")
    if args.profile:
        profile(corpus, args.top)
        return 0
    builds = {"new": sys.executable}
    if args.baseline:
        builds["old"] = args.baseline
    tmp = Path(tempfile.mkdtemp(prefix="credgate-scan-calls-"))
    try:
        corpus_file = tmp / "corpus.pickle"
        corpus_file.write_bytes(pickle.dumps(corpus))
        samples: dict[str, dict[str, list[tuple[float, float]]]] = {
            b: {g: [] for g in corpus} for b in builds
        }
        digests: dict[str, dict[str, list[str]]] = {}
        names = list(builds)
        for rnd in range(args.rounds):
            k = rnd % len(names)
            for build in names[k:] + names[:k]:
                cache = tmp / f"cache-{build}"
                proc = subprocess.run(
                    [builds[build], os.path.abspath(__file__), "--worker", str(corpus_file),
                     "--passes", str(args.passes), "--cache", str(cache)],
                    capture_output=True, cwd=tmp,
                )  # fmt: skip
                if proc.returncode != 0:
                    print(f"{build}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-600:]}")
                    return 2
                got = json.loads(proc.stdout)
                for group in corpus:
                    samples[build][group].append((got[group]["wall"], got[group]["cpu"]))
                digests[build] = {g: got[g]["digests"] for g in corpus}
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"\n{args.rounds} rounds, builds alternated; load average now {load:.1f}\n")
    print("| group | build | calls | MB | calls/s | MB/s | CPU us/call |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    med: dict[tuple[str, str], tuple[float, float]] = {}
    for group, texts in corpus.items():
        size = sum(len(t) for _, t in texts) / 1e6
        for build in names:
            wall = statistics.median(w for w, _ in samples[build][group])
            cpu = statistics.median(c for _, c in samples[build][group])
            med[(build, group)] = (wall, cpu)
            print(f"| {group} | {build} | {len(texts)} | {size:.2f} | {len(texts) / wall:,.0f} | "
                  f"{size / wall:.1f} | {cpu / len(texts) * 1e6:.1f} |")  # fmt: skip
    if "old" in builds:
        print("\n| group | new/old wall | new/old CPU | speed-up (CPU) |")
        print("| --- | ---: | ---: | ---: |")
        for group in corpus:
            (nw, nc), (ow, oc) = med[("new", group)], med[("old", group)]
            print(f"| {group} | {nw / ow:.2f} | {nc / oc:.2f} | {oc / nc:.2f}x |")
        differ = [
            corpus[g][i][0]
            for g in corpus
            for i, (a, b) in enumerate(zip(digests["new"][g], digests["old"][g]))
            if a != b
        ]
        if differ:
            print(f"\nDIFFERENT results on {len(differ)} texts: " + ", ".join(differ[:20]))
            return 1
        print("\nidentical results on every text (findings, suppressions, allowed, kinds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
