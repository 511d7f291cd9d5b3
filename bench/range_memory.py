#!/usr/bin/env python3
"""Peak memory of the range gates and history on one large file (issue 13 item 4).

Builds two throwaway repositories in a temporary directory, each with a bare copy:

    add   a commit that adds a --size MB file of comment lines with a synthetic token in the middle
    mod   a --size MB file committed first, then a commit that changes one line in its middle to the token

and for each runs, with the peak RSS of the largest single process in the tree (git included):

    credgate scan-range --from-ref A --to-ref B          (in the clone)
    hooks/pre-receive with "A B refs/heads/main" on stdin  (in the bare repository, the real hook)
    credgate history                                     (in the clone)

Usage:
    python bench/range_memory.py [--size 100] [--credgate PATH] [--keep]

Prints a Markdown table. Exit status: 0 if every run blocked (exit 1, the token found), 1 if not.
HOME, GIT_CONFIG_GLOBAL and CREDGATE_CACHE_DIR point inside the temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAD = b"# padding: nothing to see in this comment line\n"
MEASURE = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:], stdin=sys.stdin, "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def build(root: Path, name: str, size_mb: int, token: bytes) -> tuple[Path, Path, int]:
    work = root / name
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    n = size_mb * (1 << 20) // len(PAD)
    if name == "add":
        (work / "README").write_text("hi\n")
    else:
        (work / "big.py").write_bytes(PAD * n)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "base")
    git(work, "tag", "A")
    rest = n - n // 2 - (0 if name == "add" else 1)
    (work / "big.py").write_bytes(PAD * (n // 2) + b"TOKEN = '" + token + b"'\n" + PAD * rest)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "change")
    git(work, "tag", "B")
    bare = root / f"{name}.git"
    git(root, "init", "-q", "--bare", str(bare))
    git(work, "push", "-q", str(bare), "A:refs/heads/main", "B:refs/heads/incoming")
    shutil.copy(HERE.parent / "hooks" / "pre-receive", bare / "hooks" / "pre-receive")
    return work, bare, n // 2 + 1


def measure(args: list[str], cwd: Path, stdin: str = "") -> tuple[int, int, float]:
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], cwd=cwd, input=stdin, capture_output=True, text=True
    )
    rc, peak = proc.stdout.split()[-2:]
    return int(rc), int(peak) // 1024, time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100, help="file size in MB (default 100)")
    parser.add_argument("--credgate", default=shutil.which("credgate", path=os.path.dirname(sys.executable))
                        or shutil.which("credgate"))  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = parser.parse_args()
    if not opts.credgate:
        print("credgate not found: pass --credgate PATH", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE.parent / "src"))
    from credgate.engine.synth import expand

    root = Path(tempfile.mkdtemp(prefix="credgate-range-memory-"))
    home = root / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.invalid\n")
    os.environ.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1",
                      XDG_CACHE_HOME=str(home / ".cache"), CREDGATE_CACHE_DIR=str(home / "cg-cache"),
                      CREDGATE=opts.credgate)  # fmt: skip
    token = expand("%%github:ghp_%%", "range-memory").encode()
    ok = True
    print(f"| case ({opts.size} MB file) | command | exit | peak RSS MB | wall s |")
    print("| --- | --- | --- | --- | --- |")
    try:
        for name in ("add", "mod"):
            work, bare, _line = build(root, name, opts.size, token)
            a, b = git(work, "rev-parse", "A").strip(), git(work, "rev-parse", "B").strip()
            runs = [
                ("scan-range", [opts.credgate, "scan-range", "--from-ref", "A", "--to-ref", "B"], work, ""),
                (
                    "pre-receive",
                    ["sh", str(bare / "hooks" / "pre-receive")],
                    bare,
                    f"{a} {b} refs/heads/main\n",
                ),
                ("history", [opts.credgate, "history"], work, ""),
            ]
            for label, args, cwd, stdin in runs:
                rc, peak, wall = measure(args, cwd, stdin)
                ok &= rc == 1
                print(f"| {name} | {label} | {rc} | {peak} | {wall:.1f} |")
    finally:
        if opts.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
