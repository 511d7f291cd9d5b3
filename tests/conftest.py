"""Fixtures: real git repositories in temporary directories, never the user's home."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Generator, Iterator

import pytest

from credgate.engine.synth import expand

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME and git global config for every test: the user's config must not leak in."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("CREDGATE_CACHE_DIR", str(home / "credgate-cache"))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT", "GIT_CONFIG_PARAMETERS"):
        monkeypatch.delenv(var, raising=False)
    return home


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, check=False,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, name: str | bytes, content: str | bytes) -> Path:
        target = self.path / os.fsdecode(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
        return target

    def stage(self, name: str, content: str | bytes) -> None:
        self.write(name, content)
        self.git("add", "--", name)

    def commit(self, message: str = "commit") -> None:
        self.git("commit", "-q", "--no-verify", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    path = tmp_path / "repo"
    path.mkdir()
    r = Repo(path)
    r.git("init", "-q")
    monkeypatch.chdir(path)
    yield r


# Every value a test draws comes from a seed; a failing test's report lists the seeds it drew (the
# "credgate secret seeds" section, as calls to paste back), so a failing draw can be replayed.
_drawn: list[str] | None = None  # the running test's draws; None between tests
_collected: dict[str, list[str]] = {}  # draws made while collecting (parametrize lists), by test file


def _draw(call: str, seed: str | int | None) -> str:
    if seed is not None:
        return str(seed)
    drawn = secrets.token_hex(8)
    replay = f"{call}seed={drawn!r})"
    if _drawn is not None:
        _drawn.append(replay)
    else:
        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        _collected.setdefault(os.path.realpath(frame.f_code.co_filename), []).append(replay)
    return drawn


def secret(template: str, seed: str | int | None = None) -> str:
    """A synthetic, structurally valid credential made at test time (never stored in the repo);
    the same template and seed always give the same value."""
    return expand(template, _draw(f"secret({template!r}, ", seed))


def aws_pair(seed: str | int | None = None) -> tuple[str, str]:
    """A key id and secret the scanner must find: a random draw that happens to look made up by hand
    (`...XXXX...`, a low-entropy id, about one in ten thousand) is drawn again, so no test flakes."""
    from credgate.engine.filters import shannon_entropy

    seed = _draw("aws_pair(", seed)
    for attempt in itertools.count():
        key_id = secret("%%aws-key-id:AKIA%%", seed=f"{seed}/{attempt}/id")
        if not re.search(r"(.)\1{3}", key_id) and shannon_entropy(key_id.encode()) >= 3.2:
            return key_id, secret("%%rand:base64:40%%", seed=f"{seed}/{attempt}/key")
    raise AssertionError("unreachable")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    global _drawn
    _drawn = []
    try:
        return (yield)
    finally:
        _drawn = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        lines = list(_drawn or [])
        lines += [f"{r}  # drawn while collecting" for r in _collected.get(os.path.realpath(item.path), [])]
        if lines:
            report.sections.append(("credgate secret seeds", "\n".join(lines)))
    return report


def env_file_with_aws() -> str:
    key_id, key = aws_pair()
    return f"APP_ENV=production\nAWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\nDEBUG=false\n"


def token(length: int, seed: str | int | None = None) -> str:
    """A generated-looking alphanumeric token of `length` characters with a digit inside: a draw of
    letters only (about one in 2,000 at 32 characters) can read as CamelCase words, which is right for
    the scanner and wrong for a test that needs a token."""
    left = (length - 1) // 2
    seed = _draw(f"token({length}, ", seed)
    return secret(f"%%rand:alnum:{left}%%%%rand:digit:1%%%%rand:alnum:{length - 1 - left}%%", seed=seed)
