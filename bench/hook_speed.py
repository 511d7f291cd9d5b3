#!/usr/bin/env python3
"""Pre-commit hook wall time: credgate side by side with gitleaks and betterleaks.

Builds a throwaway git repository with a base commit and a staged change of three
source-like files (~20 KB added, no secrets), then times, round-robin, the command
each tool runs as a pre-commit hook:

    credgate secrets
    gitleaks git --pre-commit --staged --no-banner
    betterleaks git --pre-commit --staged --no-banner
    <site-packages>/betterleaks/bin/betterleaks git --pre-commit --staged --no-banner

(--pre-commit is dropped, with a note in the report, for a tool whose `git --help`
does not list it: betterleaks 2.x, where `git --staged` is the pre-commit scan.)

The last one, "betterleaks-bin", is the Go binary bundled in the betterleaks wheel, which
the `betterleaks` console script (a Python wrapper) execs: timing both shows betterleaks
as installed from PyPI and as the bare binary. It is located through the interpreter named
in the wrapper's shebang (importlib.util.find_spec), else by globbing the venv's
lib/python3*/site-packages, and skipped with a note if neither finds it.

A second scenario stages the same change with a synthetic AWS key pair in one file;
every tool must block it (exit code != 0) and pass the clean one (exit code 0).

Usage:
    python bench/hook_speed.py [--rounds 30] [--warmup 3] [--json out.json]
                               [--shape three|big|many ...] [--repo PATH] [--baseline PATH]
                               [--credgate PATH] [--anchors DIR] [--no-secret] [--keep]

    --shape     what is staged (repeatable): `three` files, ~20 KB (default); `big`, one new 5 MB
                file; `many`, 200 new files, ~1.3 MB
    --repo      stage the change on a clone of this repository (e.g. psf/requests) instead of the
                synthetic base commit; the clone is made in the temporary directory
    --baseline  an older credgate build, timed in the same rounds (ratio credgate/credgate-base)

    --credgate  credgate executable (default: `credgate` next to this interpreter, else on PATH)
    --anchors   directory with gitleaks/betterleaks (default: $CREDGATE_ANCHOR_BIN or /tmp/anchors/bin;
                install them with `bash ../shared/bench/anchors.sh`)

Run it with the interpreter of the venv credgate is installed in, so the synthetic
key can be generated with credgate's own generator (otherwise it shells out to the
interpreter named in the credgate script's shebang).

Everything happens under one temporary directory: HOME, GIT_CONFIG_GLOBAL,
XDG_CACHE_HOME and CREDGATE_CACHE_DIR point inside it, so the real home and caches
are never touched. Warm-up rounds fill credgate's rule-parse cache, as a developer's
machine would have it filled after the first commit.

Prints a Markdown report to stdout. Exit status: 0 if every run had the expected exit
code, 1 if some did not, 2 if credgate or git cannot be found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

AWS_TEMPLATE = "AWS_ACCESS_KEY_ID=%%aws-key-id:AKIA%%\nAWS_SECRET_ACCESS_KEY=%%rand:base64:40%%\n"
SCENARIOS = ("clean", "secret")
# What is staged: three files (~20 KB, two edited and one new), one new 5 MB file, or 200 new files (~1.3 MB).
SHAPES = ("three", "big", "many")

# Variables that would make a tool scan something other than the temp repo, or load a
# config other than its default one, if the benchmark itself runs inside a git hook or
# a configured shell.
SCRUBBED_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
    "GITLEAKS_CONFIG", "GITLEAKS_CONFIG_TOML", "BETTERLEAKS_CONFIG", "BETTERLEAKS_CONFIG_TOML",
    "CREDGATE_CONFIG",
)  # fmt: skip


# --------------------------------------------------------------------------- content

WORDS = (
    "account", "address", "batch", "buffer", "cache", "catalog", "channel", "client", "cluster",
    "column", "config", "context", "counter", "cursor", "customer", "dataset", "delivery", "device",
    "document", "entry", "event", "export", "feature", "filter", "gateway", "handler", "history",
    "import", "inventory", "invoice", "item", "job", "journal", "label", "layer", "ledger", "limit",
    "listing", "loader", "manifest", "message", "metric", "mirror", "node", "notice", "order", "owner",
    "package", "page", "parser", "payment", "pipeline", "policy", "price", "profile", "queue", "quota",
    "record", "region", "render", "report", "request", "result", "route", "schedule", "schema",
    "segment", "shipment", "snapshot", "source", "stage", "status", "stock", "store", "stream",
    "summary", "task", "template", "tenant", "ticket", "timer", "topic", "tracker", "upload", "user",
    "vendor", "version", "view", "worker", "window",
)  # fmt: skip
VERBS = (
    "build", "check", "collect", "compute", "convert", "count", "create", "decode", "emit", "encode",
    "fetch", "find", "format", "group", "load", "merge", "normalize", "parse", "prepare", "read",
    "refresh", "render", "resolve", "save", "select", "sort", "split", "summarize", "update", "validate",
)  # fmt: skip


class Text:
    """Deterministic source-like text: ordinary code that no scanner should flag."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def name(self) -> str:
        return f"{self.rng.choice(VERBS)}_{self.word()}"

    def camel(self) -> str:
        return self.rng.choice(VERBS) + self.word().capitalize()

    def sentence(self) -> str:
        words = [self.rng.choice(WORDS + VERBS) for _ in range(self.rng.randint(5, 11))]
        return " ".join(words).capitalize() + "."

    def fill(self, block: Callable[[], str], size: int, head: str = "") -> str:
        parts = [head]
        total = len(head)
        while total < size:
            parts.append(block())
            total += len(parts[-1])
        return "".join(parts)

    def py_block(self) -> str:
        fn, a, b = self.name(), self.word(), self.word() + "s"
        if self.rng.random() < 0.3:
            cls = self.word().capitalize() + self.word().capitalize()
            return (
                f'\n\nclass {cls}:\n    """{self.sentence()}"""\n\n'
                f"    def __init__(self, {a}: str, limit: int = {self.rng.randint(2, 500)}) -> None:\n"
                f"        self.{a} = {a}\n        self.limit = limit\n        self.{b}: list[str] = []\n\n"
                f"    def {fn}(self, value: str) -> bool:\n"
                f"        # {self.sentence()}\n"
                f"        if len(self.{b}) >= self.limit:\n            return False\n"
                f"        self.{b}.append(value.strip().lower())\n        return True\n"
            )
        return (
            f"\n\ndef {fn}({a}: dict[str, int], {b}: list[str]) -> list[str]:\n"
            f'    """{self.sentence()}"""\n'
            f"    result = []\n    for item in {b}:\n"
            f"        # {self.sentence()}\n"
            f"        if {a}.get(item, 0) > {self.rng.randint(0, 99)}:\n"
            f'            result.append(item.replace("_", "-"))\n'
            f'    logger.debug("{fn}: %d of %d kept", len(result), len({b}))\n'
            f"    return sorted(result)\n"
        )

    def py_file(self, size: int) -> str:
        head = (
            f'"""{self.sentence()}"""\n\nfrom __future__ import annotations\n\n'
            "import logging\nfrom pathlib import Path\n\nlogger = logging.getLogger(__name__)\n"
            f"DEFAULT_{self.word().upper()}_LIMIT = {self.rng.randint(10, 1000)}\n"
        )
        return self.fill(self.py_block, size, head)

    def js_block(self) -> str:
        fn, a = self.camel(), self.word()
        return (
            f"\n// {self.sentence()}\nexport function {fn}({a}s, options = {{}}) {{\n"
            f"  const limit = options.limit ?? {self.rng.randint(5, 200)};\n"
            f"  const seen = new Set();\n  return {a}s\n"
            f"    .filter(({a}) => {a}.{self.word()} !== undefined && !seen.has({a}.id))\n"
            f"    .slice(0, limit)\n    .map(({a}) => {{\n      seen.add({a}.id);\n"
            f"      return {{ ...{a}, label: `${{{a}.id}}-{self.word()}` }};\n    }});\n}}\n"
        )

    def js_file(self, size: int) -> str:
        head = (
            f"// {self.sentence()}\n'use strict';\n\nimport {{ {self.camel()} }} from './{self.word()}.js';\n"
        )
        return self.fill(self.js_block, size, head)

    def yaml_block(self) -> str:
        svc, rnd = f"{self.word()}-{self.word()}", self.rng.randint
        return (
            f"  {svc}:\n    # {self.sentence()}\n"
            f"    image: registry.example.internal/{self.word()}:{rnd(1, 9)}.{rnd(0, 30)}\n"
            f'    replicas: {rnd(1, 6)}\n    ports:\n      - "{rnd(3000, 9000)}:8080"\n'
            f"    environment:\n      - LOG_LEVEL=info\n"
            f"      - {self.word().upper()}_BATCH_SIZE={rnd(8, 512)}\n"
            f"    depends_on: [{self.word()}, {self.word()}]\n"
        )

    def yaml_file(self, size: int) -> str:
        return self.fill(self.yaml_block, size, f'# {self.sentence()}\nversion: "3.9"\nservices:\n')


def synthetic_aws_pair(credgate: str) -> str:
    """Two lines of a fake AWS key pair, made by credgate's own generator (never a literal in this file)."""
    try:
        from credgate.engine.synth import expand

        return expand(AWS_TEMPLATE, "bench")
    except ImportError:
        pass
    # Not run from credgate's venv: ask the interpreter the credgate script starts with.
    with open(credgate, "rb") as fh:
        first = fh.readline().decode(errors="replace")
    if not first.startswith("#!"):
        raise RuntimeError(f"cannot import credgate, and {credgate} is not a Python script")
    code = (
        "import sys; from credgate.engine.synth import expand; sys.stdout.write(expand(sys.argv[1], 'bench'))"
    )
    return subprocess.run(
        [*shlex.split(first[2:].strip()), "-c", code, AWS_TEMPLATE],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


# --------------------------------------------------------------------------- repository


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def isolated_env(tmp: Path) -> dict[str, str]:
    """The environment every command runs in: nothing points outside tmp except PATH."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    home = tmp / "home"
    home.mkdir()
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(tmp / "xdg-cache"),
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Bench Author",
        GIT_COMMITTER_EMAIL="author@example.com",
        # Shared by all tools for simplicity; only credgate reads it.
        CREDGATE_CACHE_DIR=str(tmp / "credgate-cache"),
        NO_COLOR="1",
    )
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench Author\n\temail = author@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    return env


@dataclass
class Staged:
    base_files: int
    files: int
    added_lines: int
    added_bytes: int


def build_repo(
    repo: Path,
    env: dict[str, str],
    staged_kb: int,
    secret: str | None,
    shape: str = "three",
    source: str | None = None,
) -> Staged:
    """A base (a clone of `source`, else a synthetic commit of ~30 files), then the staged change of `shape`.

    Both scenarios use the same seed, so they differ only by the secret lines.
    """
    text = Text("credgate-bench")
    base: dict[str, str] = {}
    if source:
        git(repo.parent, env, "clone", "-q", "--no-hardlinks", os.path.abspath(source), str(repo))
        tracked = git(repo, env, "ls-files", "-z").split("\0")
        for rel in sorted(p for p in tracked if p.endswith((".py", ".js", ".md", ".rst")))[:40]:
            try:
                base[rel] = (repo / rel).read_text()
            except (OSError, UnicodeDecodeError):
                continue
        base_files = len([p for p in tracked if p])
    else:
        repo.mkdir()
        git(repo, env, "init", "-q")
        base["README.md"] = "# inventory service\n\n" + "\n".join(text.sentence() for _ in range(20)) + "\n"
        for i in range(12):
            base[f"src/app/{text.word()}_{i}.py"] = text.py_file(text.rng.randint(3000, 9000))
        for i in range(10):
            base[f"web/src/{text.word()}{i}.js"] = text.js_file(text.rng.randint(2000, 7000))
        for i in range(5):
            base[f"deploy/{text.word()}-{i}.yaml"] = text.yaml_file(text.rng.randint(1000, 4000))
        base[".gitignore"] = "__pycache__/\nnode_modules/\n*.pyc\n.env\n"
        for rel, content in base.items():
            path = repo / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        git(repo, env, "add", "-A")
        git(repo, env, "commit", "-q", "-m", "base")
        base_files = len(base)
    if shape == "three":
        edits = _three_files(text, base, staged_kb, secret)
    else:
        edits = _new_files(text, shape, secret)
    for rel, content in edits.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content)
    git(repo, env, "add", *edits)

    added_lines = added_bytes = 0
    for line in git(repo, env, "diff", "--cached", "--unified=0", "--no-color").splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added_lines += 1
            added_bytes += len(line)  # the "+" stands in for the newline
    return Staged(base_files=base_files, files=len(edits), added_lines=added_lines, added_bytes=added_bytes)


def _inject(body: str, secret: str | None) -> str:
    """The secret's lines in the middle of `body`, as an assignment block."""
    if not secret:
        return body
    lines = body.splitlines(keepends=True)
    mid = len(lines) // 2
    return "".join(lines[:mid]) + secret + "".join(lines[mid:])


def _new_files(text: Text, shape: str, secret: str | None) -> dict[str, str]:
    if shape == "big":
        return {"src/generated/big_module.py": _inject(text.fill(text.py_block, 5 * 1024 * 1024), secret)}
    files = {f"src/batch/mod_{i:03d}.py": text.fill(text.py_block, 6500) for i in range(200)}
    files["src/batch/mod_100.py"] = _inject(files["src/batch/mod_100.py"], secret)
    return files


def _three_files(text: Text, base: dict[str, str], staged_kb: int, secret: str | None) -> dict[str, str]:
    # The change: roughly 35/30/35 of the byte budget across the three files.
    budget = staged_kb * 1024
    code = sorted(p for p in base if p.endswith((".py", ".js")))
    first, second = (code + [p for p in base if p not in code])[:2]
    new_yaml = text.yaml_file(int(budget * 0.35))
    if secret:
        # docker-compose `environment:` list style, in the middle of the new file.
        lines = new_yaml.splitlines(keepends=True)
        envs = [i for i, line in enumerate(lines) if line.startswith("    environment:")]
        mid = envs[len(envs) // 2]
        injected = "".join(f"      - {line}\n" for line in secret.splitlines())
        new_yaml = "".join(lines[: mid + 1]) + injected + "".join(lines[mid + 1 :])

    def grow(rel: str, share: float) -> str:
        block = text.js_block if rel.endswith(".js") else text.py_block
        return base[rel].replace("logger = logging", "log = logging", 1) + text.fill(
            block, int(budget * share)
        )

    return {first: grow(first, 0.35), second: grow(second, 0.30), "deploy/staging-services.yaml": new_yaml}


# --------------------------------------------------------------------------- tools


@dataclass
class Tool:
    name: str
    argv: list[str]
    version_argv: list[str]
    version: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)  # by scenario, "<shape>-<clean|secret>"
    exit_codes: dict[str, set[int]] = field(default_factory=dict)
    # The first run with an unexpected exit code, per scenario, for diagnosis.
    bad_run: dict[str, str] = field(default_factory=dict)


def find_credgate(explicit: str | None) -> str | None:
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else shutil.which(explicit)
    # Not resolved: a venv's python is a symlink, and the script sits next to the link.
    beside = Path(sys.executable).parent / "credgate"
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("credgate")


def supports_flag(help_argv: list[str], flag: str) -> bool:
    try:
        proc = subprocess.run(help_argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return True  # let the timed runs show the real failure
    return flag in proc.stdout + proc.stderr


def is_python_script(exe: Path) -> bool:
    with open(exe, "rb") as fh:
        first = fh.readline(200)
    return first.startswith(b"#!") and b"python" in first


# Run by the wrapper's own interpreter. find_spec locates the package without importing it:
# betterleaks/__init__.py loads a ~23 MB shared library we do not need.
FIND_BUNDLED_CODE = (
    "import importlib.util, sys; s = importlib.util.find_spec('betterleaks'); "
    "sys.stdout.write(s.submodule_search_locations[0] + '/bin/betterleaks' "
    "if s and s.submodule_search_locations else '')"
)


def find_bundled_betterleaks(wrapper: Path) -> tuple[str, str] | None:
    """The Go binary a pip-installed `betterleaks` wrapper execs, and how it was found; None if not.

    The wrapper (`from betterleaks.cli import main`) execs <package dir>/bin/betterleaks. Asking
    the interpreter named in its shebang finds the package wherever that interpreter's sys.path
    puts it; globbing the venv layout is the fallback for wrappers without a usable shebang
    (pip writes a `#!/bin/sh` trampoline when the interpreter path is too long or has spaces).
    """
    real = Path(os.path.realpath(wrapper))
    candidates: list[tuple[str, str]] = []
    if is_python_script(real):
        with open(real, "rb") as fh:
            shebang = fh.readline().decode(errors="replace")[2:].strip()
        try:
            # cwd = the script's real directory, because `-c` puts cwd first on sys.path where the
            # wrapper has its own (symlink-resolved) directory: both then see the same packages.
            proc = subprocess.run(
                [*shlex.split(shebang), "-c", FIND_BUNDLED_CODE],
                cwd=real.parent,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if proc.returncode == 0 and proc.stdout:
                candidates.append((proc.stdout, f"find_spec via `{shebang}`"))
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass  # an unrunnable shebang: the glob below may still find it
    # sorted() so that a venv holding several python3.X dirs gives the same pick on every run.
    for path in sorted(real.parent.parent.glob("lib/python3*/site-packages/betterleaks/bin/betterleaks")):
        candidates.append((str(path), f"glob under {real.parent.parent}"))
    for path, how in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path, how
    return None


def first_line(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    out = (proc.stdout.strip() or proc.stderr.strip()).splitlines()
    return out[0] if out else f"unknown (exit {proc.returncode}, no output)"


def run_once(tool: Tool, scenario: str, repo: Path, env: dict[str, str], record: bool) -> None:
    start = time.perf_counter()
    proc = subprocess.run(tool.argv, cwd=repo, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    # Exit codes are checked on warm-up runs too: a tool that fails there is as wrong.
    tool.exit_codes.setdefault(scenario, set()).add(proc.returncode)
    ok = proc.returncode == 0 if scenario.endswith("clean") else proc.returncode != 0
    if not ok and scenario not in tool.bad_run:
        output = (proc.stdout + proc.stderr).decode(errors="replace").strip()
        tool.bad_run[scenario] = f"exit {proc.returncode}: " + "\n".join(output.splitlines()[-15:])
    if record:
        tool.samples.setdefault(scenario, []).append(elapsed * 1000)


# --------------------------------------------------------------------------- report


def p90(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=10, method="inclusive")[-1]


def summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(samples), "p90_ms": p90(samples), "min_ms": min(samples)}


def machine_info() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "nproc": affinity,
        "cpu_count": os.cpu_count(),
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "git": subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up rounds (default 3)")
    parser.add_argument("--credgate", help="credgate executable")
    parser.add_argument(
        "--baseline",
        metavar="PATH",
        help="another credgate executable (an older build) timed in the same rounds as `credgate-base`",
    )
    parser.add_argument(
        "--anchors",
        default=os.environ.get("CREDGATE_ANCHOR_BIN") or "/tmp/anchors/bin",
        help="directory holding gitleaks and betterleaks",
    )
    parser.add_argument("--staged-kb", type=int, default=20, help="size of the staged change (default 20)")
    parser.add_argument(
        "--shape",
        action="append",
        choices=SHAPES,
        help="what is staged, repeatable: three files of --staged-kb (default), one new 5 MB file (big), "
        "200 new files of about 6.5 KB (many)",
    )
    parser.add_argument(
        "--repo",
        help="a git repository to stage the change on (cloned into the temporary directory, never "
        "modified), e.g. a clone of psf/requests; default: a synthetic base commit of ~30 files",
    )
    parser.add_argument(
        "--no-secret", action="store_true", help="skip the scenario with a staged AWS key pair"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be >= 1 and --warmup >= 0")
    if shutil.which("git") is None:
        print("error: git not found on PATH", file=sys.stderr)
        return 2
    credgate = find_credgate(args.credgate)
    if credgate is None:
        print("error: credgate not found (pass --credgate)", file=sys.stderr)
        return 2

    notes: list[str] = []
    tools = [Tool("credgate", [credgate, "secrets"], [credgate, "--version"])]
    if args.baseline:
        tools.append(Tool("credgate-base", [args.baseline, "secrets"], [args.baseline, "--version"]))
    anchors = Path(args.anchors)
    for name, version_argv in (("gitleaks", ["version"]), ("betterleaks", ["--version"])):
        exe = anchors / name
        if not os.access(exe, os.X_OK):
            notes.append(
                f"{name} not found at {exe}: skipped (install with `bash ../shared/bench/anchors.sh`)"
            )
            print(f"warning: {notes[-1]}", file=sys.stderr)
            continue
        argv = [str(exe), "git", "--pre-commit", "--staged", "--no-banner"]
        if not supports_flag([str(exe), "git", "--help"], "--pre-commit"):
            # betterleaks 2.x dropped --pre-commit: `git --staged` alone is its pre-commit scan,
            # and passing the old flag makes it exit 126 with a usage error.
            argv.remove("--pre-commit")
            notes.append(
                f"{name} has no `git --pre-commit` flag; timed as `git --staged` (its pre-commit form)"
            )
        if is_python_script(exe):
            notes.append(
                f"{name} at {exe} is a Python wrapper around a bundled binary: its times include "
                "one Python interpreter start-up"
            )
        tools.append(Tool(name, argv, [str(exe), *version_argv]))
        if name == "betterleaks":
            # The PyPI install (wrapper + binary) is what a pip user gets; the bare binary is how a
            # binary install runs. Timing both separates betterleaks' own speed from the wrapper's
            # Python start-up.
            found = find_bundled_betterleaks(exe)
            if found is None:
                notes.append(
                    f"betterleaks-bin: no bundled binary found for {exe} (neither find_spec via its "
                    "shebang nor a lib/python3*/site-packages glob; it may be the binary itself): skipped"
                )
                print(f"warning: {notes[-1]}", file=sys.stderr)
            elif os.path.realpath(found[0]) == os.path.realpath(exe):
                notes.append(f"betterleaks-bin: {exe} is itself the binary, already timed: skipped")
            else:
                binary, how = found
                notes.append(
                    f"betterleaks-bin is the binary the betterleaks wrapper execs, {binary} "
                    f"(found by {how}), run with the same arguments: no Python start-up"
                )
                tools.append(Tool("betterleaks-bin", [binary, *argv[1:]], [binary, *version_argv]))

    kinds = ["clean"] if args.no_secret else list(SCENARIOS)
    scenarios = [f"{shape}-{kind}" for shape in args.shape or ["three"] for kind in kinds]
    tmp = Path(tempfile.mkdtemp(prefix="credgate-hook-speed-"))
    try:
        env = isolated_env(tmp)
        secret = None if args.no_secret else synthetic_aws_pair(credgate)
        repos = {s: tmp / f"repo-{s}" for s in scenarios}
        staged = {
            s: build_repo(
                repos[s],
                env,
                args.staged_kb,
                secret if s.endswith("secret") else None,
                shape=s.rsplit("-", 1)[0],
                source=args.repo,
            )
            for s in scenarios
        }
        for tool in tools:
            tool.version = first_line(tool.version_argv, env, repos[scenarios[0]])

        jobs = [(tool, s) for s in scenarios for tool in tools]
        total = args.warmup + args.rounds
        for rnd in range(total):
            # Rotating the order keeps any tool from always running right after the same one
            # (page cache, CPU frequency, a neighbour's burst) -- the point of interleaving.
            k = rnd % len(jobs)
            for tool, s in jobs[k:] + jobs[:k]:
                run_once(tool, s, repos[s], env, record=rnd >= args.warmup)
            if sys.stderr.isatty():
                print(
                    f"round {rnd + 1}/{total}{' (warm-up)' if rnd < args.warmup else ''}",
                    file=sys.stderr,
                    end="\r",
                )
        if sys.stderr.isatty():
            print(file=sys.stderr)

        report = build_report(args, tools, scenarios, staged, notes)
        print_markdown(report)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        for tool in tools:
            for s, detail in tool.bad_run.items():
                print(f"\n{tool.name} ({s}): unexpected {detail}", file=sys.stderr)
        return 1 if any(tool.bad_run for tool in tools) else 0
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def verdict(tool: Tool, scenario: str) -> str:
    """'yes', 'NO', or 'unclear' for a block that proves nothing because the clean run fails too."""
    if scenario in tool.bad_run:
        return "NO"
    if scenario.endswith("secret") and scenario.replace("secret", "clean") in tool.bad_run:
        return "unclear"  # nonzero on the secret, but also on the clean change: an error, not a block
    return "yes"


def build_report(
    args: argparse.Namespace,
    tools: list[Tool],
    scenarios: list[str],
    staged: dict[str, Staged],
    notes: list[str],
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for s in scenarios:
        rows: dict[str, Any] = {}
        for tool in tools:
            rows[tool.name] = {
                **summary(tool.samples[s]),
                "exit_codes": sorted(tool.exit_codes[s]),
                "expected": "0" if s.endswith("clean") else "nonzero",
                "ok": verdict(tool, s),
                "samples_ms": [round(x, 3) for x in tool.samples[s]],
            }
        cg = rows["credgate"]
        ratios = {
            f"credgate/{name}": {k: cg[k] / row[k] for k in ("median_ms", "p90_ms", "min_ms")}
            for name, row in rows.items()
            if name != "credgate"
        }
        results[s] = {"staged": vars(staged[s]), "tools": rows, "ratios": ratios}
    return {
        "settings": {
            "rounds": args.rounds,
            "warmup": args.warmup,
            "staged_kb": args.staged_kb,
            "order": "round-robin, start rotated each round",
            "CREDGATE_CACHE_DIR": "temporary, warmed by the warm-up rounds",
        },
        "machine": machine_info(),
        "tools": {t.name: {"command": shlex.join(t.argv), "version": t.version} for t in tools},
        "notes": notes,
        "results": results,
    }


def print_markdown(report: dict[str, Any]) -> None:
    m, st = report["machine"], report["settings"]
    load = " ".join(f"{x:.2f}" for x in m["loadavg"]) if m["loadavg"] else "n/a"
    print("# Pre-commit hook wall time\n")
    print(f"- machine: {m['platform']}, nproc {m['nproc']} (cpu_count {m['cpu_count']}), load average {load}")
    print(f"- python {m['python']} ({m['python_executable']}), {m['git']}")
    print(
        f"- {st['rounds']} timed rounds after {st['warmup']} warm-up rounds; one run of each tool and "
        "scenario per round, start rotated each round"
    )
    filled_by = "the warm-up rounds fill" if st["warmup"] else "with no warm-up, the first timed run fills"
    print(
        f"- CREDGATE_CACHE_DIR points at a fresh temporary directory; {filled_by} credgate's "
        "rule-parse cache, as on a developer's machine after the first commit"
    )
    base_files = next(iter(report["results"].values()))["staged"]["base_files"]
    print(
        f"- cwd is a temporary repo with a base commit of {base_files} files; HOME, GIT_CONFIG_GLOBAL and "
        "XDG_CACHE_HOME point inside it"
    )
    for s, res in report["results"].items():
        g = res["staged"]
        what = "no secrets" if s.endswith("clean") else "one file also holds a synthetic AWS key pair"
        print(
            f"- scenario `{s}`: {g['files']} staged files, +{g['added_lines']} lines, "
            f"{g['added_bytes'] / 1024:.1f} KB added; {what}"
        )
    for note in report["notes"]:
        print(f"- note: {note}")

    print("\n| tool | version | command |\n| --- | --- | --- |")
    for name, t in report["tools"].items():
        print(f"| {name} | {t['version']} | `{t['command']}` |")

    print("\n| scenario | tool | median ms | p90 ms | min ms | credgate / tool (median) | exit codes | ok |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    for s, res in report["results"].items():
        for name, row in res["tools"].items():
            ratio = res["ratios"].get(f"credgate/{name}")
            shown = f"{ratio['median_ms']:.2f}x" if ratio else "-"
            print(
                f"| {s} | {name} | {row['median_ms']:.1f} | {row['p90_ms']:.1f} | {row['min_ms']:.1f} | "
                f"{shown} | "
                f"{', '.join(map(str, row['exit_codes']))} (want {row['expected']}) | "
                f"{row['ok'] if row['ok'] == 'yes' else '**' + row['ok'] + '**'} |"
            )

    print()
    for s, res in report["results"].items():
        for pair, r in res["ratios"].items():
            med, p, low = r["median_ms"], r["p90_ms"], r["min_ms"]
            print(f"- {s}: {pair} = {med:.2f}x median, {p:.2f}x p90, {low:.2f}x min")


if __name__ == "__main__":
    sys.exit(main())
