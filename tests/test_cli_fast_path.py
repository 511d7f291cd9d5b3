"""The commit hook's fast path: `credgate secrets [options] [--] FILES` runs without click, and gives what
the click path gives, byte for byte, for every argument list (the rest falls through to click)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import cli
from credgate.commands import secrets
from credgate.commands._options import read_paths_args
from credgate.gate import staged
from tests.conftest import Repo, aws_pair, secret

# Runs credgate's main (or, with --click, the click path alone: main without the fast path) and writes
# which of the watched modules were imported to the file named first.
WRAPPER = """
import sys
out, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
from credgate import cli
try:
    if mode == "--click":
        sys.exit(cli._guarded(lambda: cli.click_main(args)))
    cli.main(args)
finally:
    watched = ("click", "tomllib", "datetime", "typing", "credgate.gitio.history",
               "credgate.baseline.judging", "credgate.gate.history")
    with open(out, "w") as fh:
        fh.write(" ".join(m for m in watched if m in sys.modules))
"""


def run_both(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str], set[str]]:
    """(the fast path's run, the click path's run, the modules the fast path's run imported). The click
    path runs first, so the fast path finds the rules cache filled, as every commit after the first does."""
    runs = []
    loaded: set[str] = set()
    for mode in ("--click", "--main"):
        record = tmp_path / f"modules{mode}"
        runs.append(
            subprocess.run(
                [sys.executable, "-c", WRAPPER, str(record), mode, *args],
                capture_output=True,
                text=True,
                env={**os.environ, **(env or {})},
            )  # fmt: skip
        )
        if mode == "--main":
            loaded = set(record.read_text().split())
    return runs[1], runs[0], loaded


def same(fast: subprocess.CompletedProcess[str], slow: subprocess.CompletedProcess[str]) -> None:
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)


def test_a_clean_commit_runs_without_click_and_as_click_would(repo: Repo, tmp_path: Path) -> None:
    repo.stage("app.py", "def add(a, b):\n    return a + b\n")
    # A Python project's pyproject.toml that does not configure credgate is not even parsed.
    repo.stage("pyproject.toml", '[project]\nname = "app"\n\n[tool.ruff]\nline-length = 100\n')
    plain = (["secrets"], ["secrets", "--"], ["secrets", "-v", "--", "app.py"], ["secrets", "--all-lines"])
    for args in plain:
        fast, slow, loaded = run_both(tmp_path, *args)
        same(fast, slow)
        assert fast.returncode == 0, fast.stderr
        # No click, no TOML parser, no history or baseline-judging code; not even typing (modules on this
        # path import it under `if TYPE_CHECKING:`, for the type checker only).
        assert not loaded, loaded
    verbose, _, _ = run_both(tmp_path, "secrets", "-v", "--", "app.py")
    assert "credgate: scanned 1 file" in verbose.stderr


def test_a_finding_blocks_on_the_fast_path_exactly_as_on_the_click_path(repo: Repo, tmp_path: Path) -> None:
    key_id, key_secret = aws_pair()
    repo.stage("deploy.env", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key_secret}\n")
    repo.stage("app.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    for args in (
        ["secrets"],
        ["secrets", "--format=json", "--"],
        ["secrets", "--format", "sarif", "-v", "--", "app.py", "deploy.env"],
        ["secrets", "--format", "github", "--all-lines", "--", "app.py"],
    ):
        fast, slow, loaded = run_both(tmp_path, *args, env={"PRE_COMMIT": "1"} if "--" in args else None)
        same(fast, slow)
        assert fast.returncode == 1 and "click" not in loaded, (args, fast.stderr)
        assert key_secret not in fast.stdout + fast.stderr
        if args == ["secrets"]:
            # A blocked commit's advice (which files to untrack) needs the credential-file gate, not the
            # history walk, and nothing on its path imports typing at run time either.
            assert not loaded & {"typing", "credgate.gate.history", "credgate.gitio.history"}, loaded
    as_json, _, _ = run_both(tmp_path, "secrets", "--format=json", "--")
    assert {f["rule"] for f in json.loads(as_json.stdout)["findings"]} >= {"github-pat"}


def test_under_pre_commit_without_the_separator_the_fast_path_refuses_like_click(
    repo: Repo, tmp_path: Path
) -> None:
    repo.stage("app.py", "x = 1\n")
    for args in (["secrets", "app.py"], ["secrets", "-v", "app.py"], ["secrets", "--help"]):
        fast, slow, _ = run_both(tmp_path, *args, env={"PRE_COMMIT": "1"})
        same(fast, slow)
        assert fast.returncode == 2 and "without `--`" in fast.stderr, args


def test_a_config_file_and_its_errors_on_the_fast_path(repo: Repo, tmp_path: Path) -> None:
    repo.stage("notes.txt", f"token = '{secret('%%github:ghp_%%')}'\n")
    (tmp_path / "skip.toml").write_text('exclude = ["notes.txt"]\n')
    (tmp_path / "broken.toml").write_text("exclude = [\n")
    for config, rc in (("skip.toml", 0), ("broken.toml", 2), ("missing.toml", 2)):
        path = str(tmp_path / config)
        for args in (["secrets", "--config", path], ["secrets", f"--config={path}", "--"]):
            fast, slow, loaded = run_both(tmp_path, *args)
            same(fast, slow)
            assert fast.returncode == rc and "click" not in loaded, (args, fast.stderr)
    broken, _, _ = run_both(tmp_path, "secrets", "--config", str(tmp_path / "broken.toml"))
    assert "credgate: error:" in broken.stderr and "credgate: fix:" in broken.stderr


def test_outside_a_repository_the_fast_path_fails_like_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fast, slow, loaded = run_both(tmp_path, "secrets", "--")
    same(fast, slow)
    assert fast.returncode == 2 and "not inside a git repository" in fast.stderr and "click" not in loaded


# argv after `secrets`, and whether the fast path reads it (False: click does).
TABLE = [
    ([], True),
    (["--"], True),
    (["--", "--help"], True),
    (["--", "-v", "--config=evil.toml", "--all-lines", "--"], True),
    (["a.py", "--", "b.py"], True),
    (["-v", "a.py", "--verbose"], True),
    (["a.py", "-v", "--all-lines", "--", "-"], True),
    (["--format=json"], True),
    (["--format", "junit", "--"], True),
    (["--format", "json", "--format", "text"], True),
    (["--format="], False),
    (["--format", "yaml"], False),
    (["--format"], False),
    (["--format", "--", "a.py"], False),
    (["--config"], False),
    (["--config", "-v"], False),
    (["--config", "."], False),
    (["--help"], False),
    (["-h"], False),
    (["a.py", "--help"], False),
    (["--verbose=1"], False),
    (["--all-lines=yes"], False),
    (["-vv"], False),
    (["-x"], False),
    (["--no-such-option", "--"], False),
    (["--verb"], False),
    (["--version"], False),
]


@pytest.mark.parametrize(("args", "fast"), TABLE, ids=[" ".join(a) or "(none)" for a, _ in TABLE])
def test_the_fast_parser_and_click_agree(
    repo: Repo, args: list[str], fast: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("a.py", "x = 1\n")
    repo.stage("b.py", f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    repo.stage("--help", "y = 2\n")
    assert (read_paths_args(args, secrets.FLAGS) is not None) == fast
    with pytest.raises(SystemExit) as exited:
        cli.main(["secrets", *args])
    got = (exited.value.code, *capsys.readouterr())
    want = (cli._guarded(lambda: cli.click_main(["secrets", *args])), *capsys.readouterr())
    assert got == want
    if fast:
        # It ran: a clean set of files, b.py's token, or a path that does not exist (paths after `--`).
        assert got[0] in (0, 1, 2) and "Usage:" not in got[1] + got[2]


def test_other_commands_and_group_options_go_to_click(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0 and "credgate, version" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        cli.main(["secret", "--"])
    assert exited.value.code == 2 and "No such command 'secret'" in capsys.readouterr().err


def test_an_internal_error_on_the_fast_path_fails_closed(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("a.py", "x = 1\n")
    token = secret("%%github:ghp_%%")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"scanner broke on {token}")

    monkeypatch.setattr(staged, "scan_staged", broken)
    monkeypatch.setattr(cli, "click_main", lambda args: pytest.fail("the fast path fell through to click"))
    with pytest.raises(SystemExit) as exited:
        cli.main(["secrets", "--", "a.py"])
    err = capsys.readouterr().err
    assert exited.value.code == 3
    assert "credgate: internal error: RuntimeError: scanner broke on" in err
    assert "failing closed" in err and token not in err


def test_an_interrupted_fast_path_blocks(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("a.py", "x = 1\n")

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(staged, "scan_staged", interrupted)
    with pytest.raises(SystemExit) as exited:
        cli.main(["secrets", "--"])
    assert exited.value.code == 3
    assert capsys.readouterr().err == "\ncredgate: interrupted; nothing was checked, so the gate blocks\n"


def test_a_missing_blob_fails_closed_on_the_fast_path(repo: Repo, tmp_path: Path) -> None:
    repo.stage("a.py", "x = 1\n")
    sha = repo.git("rev-parse", ":a.py").strip()
    (repo.path / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    fast, slow, loaded = run_both(tmp_path, "secrets", "--")
    same(fast, slow)
    assert fast.returncode == 3 and "failing closed" in fast.stderr and "click" not in loaded
