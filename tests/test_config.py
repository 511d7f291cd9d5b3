"""Issue 18 item 9: a config that switches a gate off, or reads without bound, is rejected (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import config
from credgate.errors import UsageError
from tests.conftest import Repo, env_file_with_aws


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "exclude",
    [
        '["*"]',
        '["**"]',
        '["/*"]',
        '["**/*"]',
        '["*/**"]',
        '["/**"]',
        '["?*"]',
        '["*.*"]',  # every name with a dot, the root .env among them
        '["[a-z]*", "[A-Z]*", ".*", "_*"]',
        '[".env"]',
        '["**/.env*"]',
    ],
)
def test_exclude_that_switches_the_gates_off_is_rejected(repo: Repo, exclude: str) -> None:
    repo.write(".credgate.toml", f"exclude = {exclude}\n")
    repo.stage(".env.production", env_file_with_aws())
    for gate in ("secrets", "files"):
        proc = cli(gate)
        assert proc.returncode == 2, (gate, proc.stdout, proc.stderr)
        assert "exclude skips" in proc.stderr and ".credgate.toml" in proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "exclude",
    ['["tests/fixtures/**"]', '["vendor/", "*.min.js"]', '["docs/**", "*.snap"]', '["src/**"]', '["*.py"]'],
)
def test_ordinary_excludes_are_accepted(exclude: str) -> None:
    cfg = config.parse(f"exclude = {exclude}\n", ".credgate.toml")
    assert not cfg.is_excluded(".env")
    assert not cfg.is_excluded("Makefile")


@pytest.mark.parametrize(
    "setting",
    [
        'protect = ["!*"]',
        'protect = ["!**"]',
        'protect = ["!*", "*.secret"]',
        'unprotect = [".env", ".env.*", "id_rsa", "*.p12", ".netrc", "*.tfstate"]',
    ],
)
def test_protect_that_switches_the_files_gate_off_is_rejected(repo: Repo, setting: str) -> None:
    repo.write(".credgate.toml", setting + "\n")
    repo.stage(".env.production", "A=1\n")
    proc = cli("files")
    assert proc.returncode == 2
    assert "leave no credential file protected" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_narrow_protect_exemptions_are_accepted() -> None:
    cfg = config.parse('protect = ["*.secret", "!docs/*.secret"]\nunprotect = [".npmrc"]\n', "c.toml")
    assert cfg.protect == ["*.secret", "!docs/*.secret"]


@pytest.mark.parametrize("size", ['"0B"', "0", '"1KiB"', '"1000KB"', "1048575"])
def test_max_file_size_below_the_floor_is_rejected(size: str) -> None:
    with pytest.raises(UsageError) as info:
        config.parse(f"max-file-size = {size}\n", "c.toml")
    assert "max-file-size" in str(info.value) and "1MiB" in str(info.value)


def test_max_file_size_at_the_floor_is_accepted() -> None:
    assert config.parse('max-file-size = "1MiB"\n', "c.toml").max_file_size == 1024 * 1024


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_as_a_rule_file_is_refused_without_reading_it(repo: Repo) -> None:
    repo.write(".credgate.toml", 'rules = ["/dev/zero"]\n')
    repo.stage("a.txt", "a\n")
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "secrets"], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr


def test_an_oversized_rule_file_is_refused(repo: Repo) -> None:
    with open(repo.path / "huge.toml", "wb") as fh:
        fh.truncate(config.MAX_RULE_FILE_SIZE + 1)
    repo.write(".credgate.toml", 'rules = ["huge.toml"]\n')
    repo.stage("a.txt", "a\n")
    proc = cli("secrets")
    assert proc.returncode == 2
    assert "over the" in proc.stderr and "limit" in proc.stderr


def test_the_config_file_itself_is_bounded_and_regular(repo: Repo, tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * (config.MAX_CONFIG_SIZE // 10 + 1))
    with pytest.raises(UsageError, match="over the"):
        config.load(str(big))
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        config.load(str(fifo))  # would block forever if it were opened
    with pytest.raises(UsageError, match="over the"):
        config.parse(b"#" * (config.MAX_CONFIG_SIZE + 1), "c.toml")


def test_parse_validates_text_without_the_disk() -> None:
    cfg = config.parse(
        b'exclude = ["tests/fixtures/**"]\nrules = ["ci/extra.toml"]\nbaseline = "b.json"\n',
        "x.toml",
        "/repo",
    )
    assert cfg.rule_files == ["/repo/ci/extra.toml"] and cfg.baseline == "/repo/b.json"
    with pytest.raises(UsageError, match="unknown setting"):
        config.parse("colour = 1\n", "x.toml")


def test_exclude_and_protect_patterns_are_read_as_git_reads_them(repo: Repo) -> None:
    # A reversed range (git accepts it, matching nothing) used to be an internal error (exit 3).
    repo.write(
        ".credgate.toml", 'exclude = ["build/[z-a]*", "gen/[[:digit:]]*"]\nprotect = ["*.[[:alpha:]]cred"]\n'
    )
    repo.stage("gen/1.env", env_file_with_aws())  # excluded: a digit
    repo.stage("gen/a.env", env_file_with_aws())  # not excluded
    repo.stage("build/x.env", env_file_with_aws())  # [z-a] matches nothing
    proc = cli("secrets", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert sorted({f["path"] for f in json.loads(proc.stdout)["findings"]}) == [
        "build/x.env",
        "gen/a.env",
    ]
    repo.stage("x.acred", "a\n")
    repo.stage("x.1cred", "a\n")
    proc = cli("files", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    # `*.env` files are dotenv files to the files gate too (gen/1.env stays excluded).
    assert sorted(b["path"] for b in json.loads(proc.stdout)["blocked"]) == [
        "build/x.env",
        "gen/a.env",
        "x.acred",
    ]


def test_a_config_path_that_is_not_a_regular_file_is_refused_not_skipped(repo: Repo) -> None:
    os.mkfifo(repo.path / ".credgate.toml")  # reading it would hang; skipping it would scan with defaults
    repo.stage("a.txt", "a\n")
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "secrets"], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr
