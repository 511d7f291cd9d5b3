"""Check that two builds of credgate write byte-identical JSON on the same repositories.

A refactor must not change what the gate reports. This script builds a fixture repository (an incident in
miniature: a committed `.env.master`, a Markdown guide with keys, a notebook, a secret committed and then
removed, a staged key, a `.gitignore` that covers `.env` but not `.env.*`) and clones the project's own
repository, then runs `scan`, `secrets`, `history`, `audit` and `check-gitignore` with `--format json`
(and `scan --format sarif`) from both builds on each, and compares standard output and exit codes.

    python3 bench/json_identity.py --before /path/to/old/venv/bin/credgate --after .venv/bin/credgate

Secrets in the fixture are synthetic (credgate.engine.synth) from a fixed seed, printed, so a difference can
be replayed. Exit 0 when every output is identical, 1 when any differs (the first differing bytes are
shown, redacted to their length), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SEED = "json-identity-1"

COMMANDS: list[list[str]] = [
    ["scan", ".", "--format", "json"],
    ["scan", ".", "--format", "sarif"],
    ["secrets", "--format", "json"],
    ["history", "--format", "json"],
    ["audit", "--format", "json"],
    ["check-gitignore", "--format", "json"],
]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CREDGATE_", "GITHUB_", "CI"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_AUTHOR_NAME="Fixture Author",
        GIT_AUTHOR_EMAIL="author@example.invalid",
        GIT_COMMITTER_NAME="Fixture Author",
        GIT_COMMITTER_EMAIL="author@example.invalid",
        GIT_AUTHOR_DATE="2026-01-02T03:04:05Z",
        GIT_COMMITTER_DATE="2026-01-02T03:04:05Z",
        NO_COLOR="1",
    )
    return env


def _git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def build_fixture(repo: Path, env: dict[str, str]) -> None:
    from credgate.engine.synth import expand

    def s(template: str, n: int) -> str:
        return expand(template, f"{SEED}-{n}")

    key_id, key = s("%%aws-key-id:AKIA%%", 1), s("%%rand:base64:40%%", 2)
    openai = "sk-proj-" + s("%%rand:base64url:74%%", 3) + "T3BlbkFJ" + s("%%rand:base64url:74%%", 9)
    github = s("%%github:ghp_%%", 4)
    repo.mkdir(parents=True)
    _git(repo, env, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text(".env\nnode_modules/\n")
    (repo / "app.py").write_text("import os\n\nTOKEN = os.environ['TOKEN']\n")
    (repo / ".env.master").write_text(
        f"APP_ENV=production\nAWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\nOPENAI_API_KEY={openai}\n"
    )
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "initial")
    docs = repo / "docs"
    docs.mkdir()
    (docs / "GUIDE.md").write_text(
        "# Setup\n\nExport the keys:\n\n```sh\n"
        f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={key}\n```\n"
    )
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": [f'client = Github("{github}")\n'], "outputs": []}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (repo / "analysis.ipynb").write_text(json.dumps(notebook, indent=1) + "\n")
    (repo / "config.py").write_text(f'GITHUB_TOKEN = "{s("%%github:ghp_%%", 5)}"\n')
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "docs and notebook")
    (repo / "config.py").write_text("import os\n\nGITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "read the token from the environment")
    _git(repo, env, "checkout", "-q", "-b", "feature")
    slack = "xoxb-" + s("%%rand:digit:12%%-%%rand:digit:13%%-%%rand:alnum:24%%", 6)
    (repo / "deploy.sh").write_text(f"#!/bin/sh\nexport SLACK_TOKEN={slack}\n")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "deploy script")
    _git(repo, env, "checkout", "-q", "main")
    (repo / "settings.yaml").write_text(f"stripe:\n  secret_key: {s('%%rand:alnum:24%%', 7)}\n")
    (repo / "staged.env").write_text(
        f"DATABASE_URL=postgres://app:{s('%%rand:alnum:20%%', 8)}@db.internal:5432/app\n"
    )
    _git(repo, env, "add", "settings.yaml", "staged.env")


def run_all(binary: str, repo: Path, env: dict[str, str]) -> list[tuple[str, int, bytes]]:
    results = []
    for command in COMMANDS:
        proc = subprocess.run([binary, *command], cwd=repo, env=env, capture_output=True, timeout=900)
        results.append((" ".join(command), proc.returncode, proc.stdout))
    return results


def _first_difference(a: bytes, b: bytes) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            line = a.count(b"\n", 0, i) + 1
            return f"first difference at byte {i} (line {line})"
    return f"one output is a prefix of the other ({len(a)} vs {len(b)} bytes)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", required=True, help="the credgate executable of the reference build")
    parser.add_argument("--after", required=True, help="the credgate executable of the build under test")
    parser.add_argument(
        "--project",
        default=str(Path(__file__).resolve().parent.parent),
        help="the project's repository to clone and scan (default: this checkout)",
    )
    parser.add_argument("--rev", default="HEAD", help="the project revision to clone (default: HEAD)")
    parser.add_argument("--keep", help="write every output under this directory for inspection")
    args = parser.parse_args(argv)
    args.before, args.after = (os.path.abspath(p) if os.sep in p else p for p in (args.before, args.after))
    for exe in (args.before, args.after):
        if not shutil.which(exe) and not os.access(exe, os.X_OK):
            print(
                f"json_identity: {exe} is not an executable; pass the path of a credgate script",
                file=sys.stderr,
            )
            return 2
    print(f"json_identity: fixture seed {SEED!r}")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="credgate-identity-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        env = _env(home)
        fixture = root / "fixture"
        build_fixture(fixture, env)
        project = root / "project"
        subprocess.run(
            ["git", "clone", "-q", "--no-local", args.project, str(project)],
            env=env,
            check=True,
            capture_output=True,
        )
        _git(project, env, "checkout", "-q", "--detach", args.rev)
        for name, repo in (("fixture", fixture), ("project", project)):
            before = run_all(args.before, repo, env)
            after = run_all(args.after, repo, env)
            for (command, rc_a, out_a), (_, rc_b, out_b) in zip(before, after):
                same = rc_a == rc_b and out_a == out_b
                status = "identical" if same else "DIFFERENT"
                print(f"  {name:8} {command:32} exit {rc_a}/{rc_b}  {len(out_a):7} bytes  {status}")
                if not same:
                    failures += 1
                    if out_a != out_b:
                        print(f"    {_first_difference(out_a, out_b)}")
                if args.keep:
                    keep = Path(args.keep) / name
                    keep.mkdir(parents=True, exist_ok=True)
                    slug = command.replace(" ", "_").replace(".", "dot").replace("--", "")
                    (keep / f"{slug}.before").write_bytes(out_a)
                    (keep / f"{slug}.after").write_bytes(out_b)
    print(f"json_identity: {failures} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
