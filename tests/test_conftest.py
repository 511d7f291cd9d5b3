"""The test helpers' seeds: a drawn value can be replayed, and a failing test's report names its seeds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import conftest
from tests.conftest import PROJECT, aws_pair, secret, token


def test_a_seed_replays_the_same_value() -> None:
    template = "%%github:ghp_%%"
    assert secret(template, seed="replay-1") == secret(template, seed="replay-1")
    assert secret(template, seed="replay-1") != secret(template, seed="replay-2")
    assert aws_pair(seed=7) == aws_pair(seed=7) != aws_pair(seed=8)
    assert token(32, seed="t") == token(32, seed="t") != token(32, seed="u")
    assert len(token(32, seed="t")) == 32 and re.search(r"\d", token(32, seed="t"))


def test_every_draw_is_recorded_as_a_call_that_replays_it() -> None:
    assert conftest._drawn is not None
    before = len(conftest._drawn)
    drawn = [secret("%%rand:hex:24%%"), aws_pair(), token(40)]
    calls = conftest._drawn[before:]
    assert [c.split("(")[0] for c in calls] == ["secret", "aws_pair", "token"]
    # Each recorded line is the call, seed included, that gives the same value again.
    namespace = {"secret": secret, "aws_pair": aws_pair, "token": token}
    assert [eval(c, namespace) for c in calls] == drawn  # noqa: S307 - our own recorded calls
    # A seed passed in is the caller's to know: it is not recorded again.
    secret("%%rand:hex:24%%", seed="given")
    assert len(conftest._drawn) == before + 3


TINY_TEST = """\
import pytest

from tests.conftest import secret, token

COLLECTED = secret("%%rand:hex:20%%")


def test_fails() -> None:
    value = secret("%%rand:hex:16%%")
    other = token(24)
    print(f"drew {value} {other} {COLLECTED}")
    assert value == "never"


def test_passes() -> None:
    assert secret("%%rand:hex:16%%")
"""


def test_a_failing_test_report_names_the_seeds_it_drew(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_tiny.py").write_text(TINY_TEST)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "test_tiny.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "1 failed, 1 passed" in out
    value, other, collected = re.search(r"^drew (\S+) (\S+) (\S+)$", out, re.M).groups()  # type: ignore[union-attr]
    section = out[out.index("credgate secret seeds") :]
    calls = re.findall(r"^((?:secret|token)\(.*\))(  # drawn while collecting)?$", section, re.M)
    namespace = {"secret": secret, "token": token}
    replayed = {eval(call, namespace): bool(note) for call, note in calls}  # noqa: S307
    # The test's two draws and the module's collection-time draw, each replayed to the same value.
    assert replayed == {value: False, other: False, collected: True}
    # Only the failing test gets the section.
    assert out.count("credgate secret seeds") == 1
