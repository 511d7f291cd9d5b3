"""Check that two builds of credgate set repositories up identically: same text, same files, same exit codes.

The companion of json_identity.py for the commands that write files: `init`, `baseline`, `install-hooks`,
`suppressions` and `rules`. Each scenario (a fresh repository; one migrating from gitleaks and
detect-secrets; one with an old-format JSON baseline; one with a foreign pre-commit hook) is built once,
copied for each build, and the same command sequence runs in both copies. After every command the exit
code, standard output, standard error and every file of the work tree and of .git/hooks are compared
(the copy's own path, the interpreter path recorded in hooks and backup time stamps are normalised).

    python3 bench/setup_identity.py --before /path/to/old/venv/bin/credgate --after .venv/bin/credgate

Secrets are synthetic (credgate.engine.synth) from fixed seeds. Exit 0 when everything is identical, 1 when
anything differs (the command and the differing stream or file are named, never their content), 2 on bad
arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from json_identity import _env  # noqa: E402  the fixture repositories' pinned git environment

SEED = "setup-identity-1"
PIN = ["--repo", "https://git.example.invalid/credgate", "--rev", "0123456789abcdef0123456789abcdef01234567"]

SCENARIOS: dict[str, list[list[str]]] = {
    "fresh": [
        ["init", "--hooks", "plain"],
        ["init", "--hooks", "plain"],
        ["baseline"],
        ["baseline"],
        ["suppressions"],
        ["suppressions", "--format", "json"],
        ["install-hooks"],
        ["install-hooks", "--hook", "no-such-hook"],
        ["rules", "list", "--format", "json"],
        ["rules", "list"],
        ["rules", "check"],
        ["init", "--repo", "https://git.example.invalid/credgate"],
        ["init", "--repo", "https://git.example.invalid/credgate", "--rev", "v1"],
    ],
    "migrating": [
        ["init", "--hooks", "plain", *PIN],
        ["init", "--hooks", "none", "--ci", "gitlab", *PIN],
        ["baseline", "--prune"],
        ["baseline", "--add"],
        ["suppressions"],
    ],
    "old-baseline": [
        ["init", "--hooks", "none"],
        ["baseline"],
        ["baseline"],
        ["baseline", "--history"],
        ["baseline", "--add"],
        ["suppressions", "--format", "json"],
    ],
    "foreign-hook": [
        ["install-hooks"],
        ["install-hooks", "--force"],
        ["init", "--hooks", "plain"],
    ],
}


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return proc.stdout.strip()


def build(scenario: str, repo: Path, env: dict[str, str], detect_secrets: str | None) -> None:
    from credgate.engine.synth import expand

    token, other = expand("%%github:ghp_%%", f"{SEED}-1"), expand("%%github:ghp_%%", f"{SEED}-2")
    key_id = expand("%%aws-key-id:AKIA%%", f"{SEED}-3")
    repo.mkdir(parents=True)
    _git(repo, env, "init", "-q", "-b", "main")
    (repo / "app.py").write_text(f"TOKEN = '{token}'\n")
    (repo / "db.env").write_text("DB_PASSWORD=" + "hunter" * 2 + "\n")  # weak: a place key
    (repo / "marked.py").write_text(
        f"KEY = '{other}'  # credgate:allow reason\n# pragma: allowlist nextline secret\n"
    )
    if scenario in ("migrating", "old-baseline"):
        (repo / ".github").mkdir()
        (repo / ".gitleaks.toml").write_text('[allowlist]\npaths = ["vendor/.*"]\nregexes = ["xyz"]\n')
        (repo / "old.py").write_text(f"ID = '{key_id}'\n")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "initial")
    if scenario == "migrating":
        head = _git(repo, env, "rev-parse", "HEAD")
        (repo / ".gitleaksignore").write_text(
            f"{head}:old.py:aws-access-token:1\napp.py:github-pat:1\nmissing.py:generic-api-key:3\n"
        )
        if detect_secrets:
            proc = subprocess.run(
                [detect_secrets, "scan", "app.py", "db.env"],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
            )
            (repo / ".secrets.baseline").write_text(proc.stdout)
    if scenario == "old-baseline":
        v1 = hashlib.pbkdf2_hmac("sha256", token.encode(), b"credgate-fp-v1:github-pat", 20_000)[:16].hex()
        entries = [
            {"path": "old.py", "rule": "aws-access-token", "fingerprint": "0" * 32},
            {"path": "app.py", "rule": "github-pat", "fingerprint": v1},
        ]
        (repo / ".credgate-baseline.json").write_text(json.dumps({"version": 1, "entries": entries}))


def _normalise(data: bytes, copy: Path, pythons: list[bytes]) -> bytes:
    data = data.replace(os.fsencode(copy), b"<repo>")
    for python in pythons:
        data = data.replace(python, b"<python>")
    return re.sub(rb"credgate-backup\.\d{8}T\d{6}Z", b"credgate-backup.<time>", data)


def snapshot(copy: Path, pythons: list[bytes]) -> dict[str, bytes]:
    files = {}
    for path in sorted(copy.rglob("*")):
        rel = path.relative_to(copy)
        if rel.parts[0] == ".git" and rel.parts[1:2] != ("hooks",):
            continue
        if path.is_file() and not path.is_symlink():
            name = _normalise(os.fsencode(str(rel)), copy, pythons).decode()
            files[name] = _normalise(path.read_bytes(), copy, pythons)
    return files


def _python_of(executable: str) -> bytes:
    """The interpreter a credgate script runs on (its shebang), which installed hooks record."""
    with open(shutil.which(executable) or executable, "rb") as fh:
        first = fh.readline()
    return first[2:].strip() if first.startswith(b"#!") else b""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", required=True, help="the credgate executable of the reference build")
    parser.add_argument("--after", required=True, help="the credgate executable of the build under test")
    args = parser.parse_args(argv)
    builds = {}
    for label, exe in (("before", args.before), ("after", args.after)):
        exe = os.path.abspath(exe) if os.sep in exe else exe
        if not shutil.which(exe) and not os.access(exe, os.X_OK):
            print(
                f"setup_identity: {exe} is not an executable; pass the path of a credgate script",
                file=sys.stderr,
            )
            return 2
        builds[label] = exe
    pythons = [p for p in (_python_of(e) for e in builds.values()) if p]
    detect_secrets = shutil.which("detect-secrets", path=os.path.dirname(sys.executable)) or shutil.which(
        "detect-secrets"
    )
    failures = 0
    with tempfile.TemporaryDirectory(prefix="credgate-setup-identity-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        env = _env(root / "home")
        for scenario, commands in SCENARIOS.items():
            source = root / scenario / "source"
            build(scenario, source, env, detect_secrets)
            copies = {label: root / scenario / label for label in builds}
            for copy in copies.values():
                shutil.copytree(source, copy, symlinks=True)
                if scenario == "foreign-hook":
                    hook = copy / ".git" / "hooks" / "pre-commit"
                    hook.write_text("#!/bin/sh\necho a team's own hook\n")
                    hook.chmod(0o755)
            for command in commands:
                seen = {}
                for label, exe in builds.items():
                    copy = copies[label]
                    path = os.path.dirname(shutil.which(exe) or exe) + os.pathsep + env["PATH"]
                    proc = subprocess.run(
                        [exe, *command], cwd=copy, env={**env, "PATH": path}, capture_output=True, timeout=900
                    )
                    seen[label] = (
                        proc.returncode,
                        _normalise(proc.stdout, copy, pythons),
                        _normalise(proc.stderr, copy, pythons),
                        snapshot(copy, pythons),
                    )
                a, b = seen["before"], seen["after"]
                differing = [
                    name for name, i in (("exit code", 0), ("stdout", 1), ("stderr", 2)) if a[i] != b[i]
                ]
                differing += [
                    f"file {f}" for f in sorted(set(a[3]) | set(b[3])) if a[3].get(f) != b[3].get(f)
                ]
                status = "identical" if not differing else "DIFFERENT: " + ", ".join(differing)
                print(f"  {scenario:12} {' '.join(command)[:60]:60} exit {a[0]}/{b[0]}  {status}")
                failures += bool(differing)
    print(f"setup_identity: {failures} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
