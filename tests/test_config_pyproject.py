"""Issue 15 item 1: `[tool.credgate]` in pyproject.toml is read like `.credgate.toml`, which wins over it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from credgate import config
from credgate.errors import UsageError
from tests.commands.test_gate_config import head, run_ci, token_py
from tests.conftest import Repo, secret

PYPROJECT = """[project]
name = "demo"
version = "1.0"

[tool.black]
exclude = "build/"

[tool.credgate]
exclude = ["vendor/**"]
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", *args], capture_output=True, text=True, check=False
    )


def test_the_tool_table_is_read_and_applied(repo: Repo) -> None:
    repo.stage("pyproject.toml", PYPROJECT)
    repo.stage("vendor/lib.py", token_py())
    proc = cli("secrets")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.stage("app.py", token_py())
    proc = cli("secrets")
    assert proc.returncode == 1 and "app.py" in proc.stdout and "vendor/lib.py" not in proc.stdout


def test_a_pyproject_without_the_table_is_no_config(repo: Repo) -> None:
    repo.stage("pyproject.toml", '[project]\nname = "demo"\n')
    repo.stage("vendor/lib.py", token_py())
    assert cli("secrets").returncode == 1
    assert config.parse_pyproject('[project]\nname = "x"\n', "pyproject.toml") is None


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('exclude = "vendor"\n', "exclude must be a list"),
        ("colour = 1\n", "unknown setting(s) colour"),
        ('notices = "loud"\n', "notices must be"),
        ('exclude = ["*"]\n', "exclude skips"),
        ('max-file-size = "1KB"\n', "max-file-size"),
    ],
)
def test_the_same_validation_names_the_file_table_and_key(repo: Repo, table: str, key: str) -> None:
    repo.stage("pyproject.toml", f'[project]\nname = "demo"\n\n[tool.credgate]\n{table}')
    repo.stage("a.py", "x = 1\n")
    proc = cli("secrets")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pyproject.toml [tool.credgate]" in proc.stderr and key in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_broken_pyproject_is_an_error_only_when_it_configures_credgate() -> None:
    assert config.pyproject_table("[project\nname = 1\n", "pyproject.toml") is None
    with pytest.raises(UsageError, match="not valid TOML"):
        config.pyproject_table("[tool.credgate\nexclude = []\n", "pyproject.toml")
    with pytest.raises(UsageError, match="tool.credgate must be a table"):
        config.pyproject_table("[tool]\ncredgate = 1\n", "pyproject.toml")


def test_credgate_toml_wins_and_says_so(repo: Repo) -> None:
    repo.stage("pyproject.toml", PYPROJECT)
    repo.stage(".credgate.toml", 'protect = ["*.secret"]\n')
    repo.stage("vendor/lib.py", token_py())
    proc = cli("secrets")
    # vendor/ is not excluded: .credgate.toml is the config, and the pyproject table is ignored.
    assert proc.returncode == 1 and "vendor/lib.py" in proc.stdout
    notes = [line for line in proc.stderr.splitlines() if "is ignored" in line]
    assert len(notes) == 1 and ".credgate.toml" in notes[0] and "[tool.credgate]" in notes[0]


def test_an_explicit_pyproject_config_is_read(repo: Repo) -> None:
    repo.write("conf/pyproject.toml", PYPROJECT)
    repo.stage("vendor/lib.py", token_py())
    assert cli("secrets", "--config", "conf/pyproject.toml").returncode == 0
    repo.write("other/pyproject.toml", '[project]\nname = "x"\n')
    proc = cli("secrets", "--config", "other/pyproject.toml")
    assert proc.returncode == 2 and "has no [tool.credgate] table" in proc.stderr


def test_ci_reads_the_table_at_the_base_and_catches_a_weakening(repo: Repo) -> None:
    repo.stage("pyproject.toml", PYPROJECT)
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = head(repo)
    repo.git("checkout", "-q", "-b", "change")
    # The change drops the exclude from the table: the base's table still decides (vendor/ excluded).
    repo.stage("vendor/lib.py", token_py())
    repo.stage(
        "pyproject.toml", PYPROJECT.replace('exclude = ["vendor/**"]', 'exclude = ["vendor/**", "*.py"]')
    )
    repo.stage("app.py", token_py())
    repo.commit("weaken and leak")
    rc, out, _ = run_ci(repo, base)
    assert rc == 1
    assert "app.py:1" in out and "vendor/lib.py" not in out
    assert 'exclude adds "*.py"' in out
    # reported on the table's own exclude line, not [tool.black]'s
    assert "pyproject.toml:9:1" in out


def test_ci_moving_the_config_out_of_pyproject_is_compared_too(repo: Repo) -> None:
    repo.stage("pyproject.toml", PYPROJECT)
    repo.commit("base")
    base = head(repo)
    repo.stage("pyproject.toml", '[project]\nname = "demo"\n')
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\ndisable-rules = ["github-pat"]\n')
    repo.commit("move the config")
    rc, out, _ = run_ci(repo, base)
    assert rc == 1 and 'disable-rules adds "github-pat"' in out and ".credgate.toml:2:1" in out


def test_ci_with_both_at_the_base_uses_credgate_toml_and_says_so(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("pyproject.toml", PYPROJECT)
    repo.stage(".credgate.toml", 'protect = ["*.secret"]\n')
    repo.commit("base")
    base = head(repo)
    repo.stage("vendor/lib.py", f"T = '{secret('%%github:ghp_%%')}'\n")
    repo.commit("vendored")
    rc, out, err = run_ci(repo, base)
    assert rc == 1 and "vendor/lib.py" in out
    # On the command's own stderr stream (the gate hands the note to it; it prints nothing itself).
    notes = [line for line in err.splitlines() if "is ignored" in line]
    assert len(notes) == 1 and "[tool.credgate] in pyproject.toml is ignored" in notes[0]
    assert "is ignored" not in capsys.readouterr().err


def test_a_table_named_through_escapes_is_still_read_and_others_are_not_parsed() -> None:
    # The hook skips parsing a pyproject.toml that cannot name the table; a quoted key may spell it with
    # \u or \U escapes, without the word appearing in the file, and is read like the plain one.
    for key in ('"cred\\u0067ate"', '"\\U00000063redgate"'):
        table = config.pyproject_table(f'[tool.{key}]\nexclude = ["vendor/**"]\n', "pyproject.toml")
        assert table == {"exclude": ["vendor/**"]}, key
    assert config.pyproject_table(b'[tool."cred\\u0067ate"\n', "pyproject.toml") is None  # broken, not ours
    assert config.pyproject_table(b'[tool.ruff]\nx = "\\u0041"\n', "pyproject.toml") is None
    assert config.pyproject_table(b"[tool.ruff]\nline-length = 100\n", "pyproject.toml") is None
