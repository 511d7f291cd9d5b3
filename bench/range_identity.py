"""Check that two builds of credgate behave identically as range gates: `scan-range` (a range, what is not
pushed yet, git's pre-push and pre-receive input) and `credgate ci` (generic, GitHub pull request, a
deletion), in every output format, with -v, and on bad input.

json_identity.py compares the JSON of the tree and history commands; this compares standard output,
standard error and the exit code of the range gates, on json_identity's fixture repository grown by a
feature branch that adds a credential file, a token and a weaker config, a remote, and a bare server.

    python3 bench/range_identity.py --before /path/to/old/venv/bin/credgate --after .venv/bin/credgate

Exit 0 when every run is identical, 1 when any differs (the first differing bytes are located, never
shown), 2 on bad arguments.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from json_identity import SEED, _env, _first_difference, _git, build_fixture  # noqa: E402

ZERO = "0" * 40


def _rev(repo: Path, env: dict[str, str], rev: str) -> str:
    proc = subprocess.run(["git", "rev-parse", rev], cwd=repo, env=env, check=True, capture_output=True)
    return proc.stdout.decode().strip()


def grow(repo: Path, server: Path, env: dict[str, str]) -> None:
    """A config in both files, a feature branch that adds a credential file and a token and weakens the
    config, and a bare server that has main."""
    from credgate.engine.synth import expand

    _git(repo, env, "commit", "-q", "--no-verify", "-m", "settings")
    (repo / ".credgate.toml").write_text('exclude = ["vendor/**"]\n')
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.credgate]\nexclude = ["x/**"]\n')
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "config")
    _git(repo, env, "checkout", "-q", "-b", "review")
    (repo / ".env.production").write_text("DB_HOST=db.internal\nDB_PASSWORD=correct-horse-battery\n")
    (repo / "client.py").write_text(f'TOKEN = "{expand("%%github:ghp_%%", f"{SEED}-range-1")}"\n')
    (repo / ".credgate.toml").write_text('exclude = ["vendor/**", "*.md"]\nnotices = "hide"\n')
    _git(repo, env, "add", "-A")
    _git(
        repo, env, "commit", "-q", "--no-verify", "-m", "review: a credential file, a token, a weaker config"
    )
    _git(repo, env, "tag", "-a", "v1", "-m", "release notes")
    subprocess.run(["git", "init", "-q", "--bare", str(server)], env=env, check=True, capture_output=True)
    _git(server, env, "symbolic-ref", "HEAD", "refs/heads/main")


def cases(
    repo: Path, server: Path, env: dict[str, str], tmp: Path
) -> list[tuple[str, Path, list[str], str, dict[str, str]]]:
    main, review = _rev(repo, env, "main"), _rev(repo, env, "review")
    event = tmp / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"base": {"sha": main}, "head": {"sha": review, "ref": "review"}}})
    )
    deleted = tmp / "deleted.json"
    deleted.write_text(
        json.dumps({"before": review, "after": ZERO, "deleted": True, "ref": "refs/heads/old"})
    )
    gh = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    generic = {"CI": "true", "CREDGATE_BASE": main, "CREDGATE_HEAD": review}
    out: list[tuple[str, Path, list[str], str, dict[str, str]]] = []
    for fmt in ("text", "json", "sarif", "github", "junit"):
        out.append(
            (
                f"range {fmt}",
                repo,
                ["scan-range", "--from-ref", main, "--to-ref", review, "--format", fmt],
                "",
                {},
            )
        )
        out.append((f"ci generic {fmt}", repo, ["ci", "--format", fmt], "", generic))
    out += [
        ("range -v", repo, ["scan-range", "--from-ref", main, "--to-ref", "review", "-v"], "", {}),
        ("range tag tip", repo, ["scan-range", "--from-ref", main, "--to-ref", "v1"], "", {}),
        (
            "range pre-commit env",
            repo,
            ["scan-range"],
            "",
            {"PRE_COMMIT_FROM_REF": main, "PRE_COMMIT_TO_REF": review},
        ),
        ("range unpushed, no remote", repo, ["scan-range"], "", {}),
        ("range from without to", repo, ["scan-range", "--from-ref", main], "", {}),
        ("range unknown ref", repo, ["scan-range", "--from-ref", main, "--to-ref", "no-such-ref"], "", {}),
        (
            "pre-push new branch",
            repo,
            ["scan-range", "--pre-push", "origin", str(server)],
            f"refs/heads/review {review} refs/heads/review {ZERO}\n",
            {},
        ),
        (
            "pre-push delete only",
            repo,
            ["scan-range", "--pre-push", "origin", str(server)],
            f"(delete) {ZERO} refs/heads/old {main}\n",
            {},
        ),
        ("pre-push bad line", repo, ["scan-range", "--pre-push", "origin", str(server)], "garbage\n", {}),
        ("ci -v", repo, ["ci", "-v"], "", generic),
        ("ci github pull request", repo, ["ci", "-v", "--format", "json"], "", gh),
        (
            "ci github deletion",
            repo,
            ["ci"],
            "",
            {**gh, "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(deleted)},
        ),
        ("ci outside ci", repo, ["ci"], "", {}),
        ("ci config outside", repo, ["ci", "--config", str(tmp / "server.toml")], "", generic),
        (
            "pre-receive update",
            server,
            ["scan-range", "--pre-receive"],
            f"{main} {review} refs/heads/main\n",
            {},
        ),
        (
            "pre-receive new ref",
            server,
            ["scan-range", "--pre-receive", "--format", "json"],
            f"{ZERO} {review} refs/heads/new\n",
            {},
        ),
        (
            "pre-receive server config",
            server,
            ["scan-range", "--pre-receive", "--config", str(tmp / "server.toml")],
            f"{main} {review} refs/heads/main\n",
            {},
        ),
        ("pre-receive bad line", server, ["scan-range", "--pre-receive"], "a b\n", {}),
        ("help scan-range", repo, ["scan-range", "--help"], "", {}),
        ("help ci", repo, ["ci", "--help"], "", {}),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", required=True, help="the credgate executable of the reference build")
    parser.add_argument("--after", required=True, help="the credgate executable of the build under test")
    args = parser.parse_args(argv)
    exes = [os.path.abspath(p) if os.sep in p else p for p in (args.before, args.after)]
    for exe in exes:
        if not shutil.which(exe) and not os.access(exe, os.X_OK):
            print(
                f"range_identity: {exe} is not an executable; pass the path of a credgate script",
                file=sys.stderr,
            )
            return 2
    print(f"range_identity: fixture seed {SEED!r}")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="credgate-range-identity-") as name:
        tmp = Path(name)
        (tmp / "home").mkdir()
        env = _env(tmp / "home")
        repo, server = tmp / "fixture", tmp / "server.git"
        build_fixture(repo, env)
        grow(repo, server, env)
        (tmp / "server.toml").write_text('disable-rules = ["github-pat"]\n')
        _git(repo, env, "push", "-q", str(server), "main", "review:refs/heads/review", "v1")
        for label, cwd, command, stdin, extra in cases(repo, server, env, tmp):
            runs = []
            for exe in exes:
                proc = subprocess.run(
                    [exe, *command], cwd=cwd, env={**env, **extra}, input=stdin.encode(), capture_output=True,
                    timeout=600,
                )  # fmt: skip
                runs.append((proc.returncode, proc.stdout, proc.stderr))
            (rc_a, out_a, err_a), (rc_b, out_b, err_b) = runs
            same = runs[0] == runs[1]
            status = "identical" if same else "DIFFERENT"
            print(f"  {label:28} exit {rc_a}/{rc_b}  {len(out_a):6}+{len(err_a):5} bytes  {status}")
            if os.environ.get("RANGE_IDENTITY_SHOW"):
                print(err_b.decode("utf-8", "replace"))
            if not same:
                failures += 1
                for what, a, b in (("stdout", out_a, out_b), ("stderr", err_a, err_b)):
                    if a != b:
                        print(f"    {what}: {_first_difference(a, b)}")
    print(f"range_identity: {failures} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
