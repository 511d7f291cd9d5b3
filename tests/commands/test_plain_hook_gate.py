"""The plain pre-commit hook runs the framework's gate: secrets, files and check-gitignore.

Real commits through the hook `credgate install-hooks` installs; the exit-code rule (the worst
result wins, an abnormal end counts as an internal error) through the shipped script itself.
"""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from credgate.commands import install_hooks
from credgate.commands._options import Options
from credgate.gate import hooks as hooks_gate
from tests.commands.test_install_hooks import covered, path_with_credgate
from tests.conftest import PROJECT, Repo

HOOK = PROJECT / "hooks" / "pre-commit"


def commit(repo: Repo, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    args = ["git", "commit", "-m", "x"]
    return subprocess.run(args, cwd=repo.path, capture_output=True, text=True, env=env)


@pytest.fixture
def installed(repo: Repo) -> Repo:
    covered(repo)
    assert install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO())) == 0
    return repo


def test_env_file_without_a_token_is_blocked(installed: Repo, tmp_path: Path) -> None:
    installed.write(".env.production", "DB_HOST=db\n")
    installed.git("add", "-f", ".env.production")
    proc = commit(installed, tmp_path)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0, said
    assert ".env.production" in said and "credential file" in said
    assert installed.git("log", "--format=%s") == "ignore credential files\n"


def test_keystore_is_blocked(installed: Repo, tmp_path: Path) -> None:
    installed.write("android/release.jks", b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + os.urandom(64))
    installed.git("add", "android/release.jks")
    proc = commit(installed, tmp_path)
    assert proc.returncode != 0 and "release.jks" in proc.stdout + proc.stderr


def test_gitignore_gap_is_blocked_and_a_clean_commit_passes(installed: Repo, tmp_path: Path) -> None:
    installed.stage(".gitignore", ".env\n")  # drops `.env.*`: the incident
    installed.stage("README.md", "hello\n")
    proc = commit(installed, tmp_path)
    assert proc.returncode != 0 and "  .env.*  " in proc.stdout + proc.stderr
    installed.git("checkout", "HEAD", "--", ".gitignore")
    proc = commit(installed, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def fake_credgate(tmp_path: Path, codes: dict[str, int]) -> str:
    """A stand-in credgate that exits with a given status per command and logs what it ran."""
    script = tmp_path / "fake-credgate"
    cases = "".join(f"    {cmd}) echo {cmd} >> '{tmp_path}/ran'; exit {rc} ;;\n" for cmd, rc in codes.items())
    script.write_text(f'#!/bin/sh\ncase "$1" in\n{cases}esac\nexit 0\n')
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ({"secrets": 0, "files": 0, "check-gitignore": 0}, 0),
        ({"secrets": 0, "files": 0, "check-gitignore": 1}, 1),
        ({"secrets": 1, "files": 3, "check-gitignore": 2}, 3),
        ({"secrets": 2, "files": 1, "check-gitignore": 0}, 2),
        ({"secrets": 0, "files": 139, "check-gitignore": 0}, 3),  # a crash is never a pass
        ({"secrets": 127, "files": 0, "check-gitignore": 0}, 3),
    ],
)
def test_every_gate_runs_and_the_worst_result_wins(
    repo: Repo, tmp_path: Path, codes: dict[str, int], expected: int
) -> None:
    env = {**os.environ, "CREDGATE": fake_credgate(tmp_path, codes)}
    proc = subprocess.run(["sh", str(HOOK)], cwd=repo.path, capture_output=True, text=True, env=env)
    assert proc.returncode == expected, proc.stderr
    assert (tmp_path / "ran").read_text().split() == ["secrets", "files", "check-gitignore"]
    if expected == 3 and 3 not in codes.values():
        assert "ended abnormally" in proc.stderr


def test_force_keeps_the_users_hook_as_a_timestamped_backup(repo: Repo) -> None:
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    hook = hooks / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    hook.chmod(0o750)
    out = io.StringIO()
    install_hooks.run(["pre-commit"], force=True, opts=Options(out=out))
    (backup,) = [p for p in hooks.iterdir() if ".credgate-backup." in p.name]
    assert re.fullmatch(r"pre-commit\.credgate-backup\.\d{8}T\d{6}Z", backup.name)
    assert backup.read_text() == "#!/bin/sh\necho mine\n"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o750  # kept as it was, still runnable
    assert f"kept the previous pre-commit hook as {backup}" in out.getvalue()
    assert hooks_gate.is_managed(hook.read_bytes())
    # A second foreign hook replaced in the same second never overwrites the first backup.
    hook.unlink()
    hook.write_text("#!/bin/sh\necho second\n")
    install_hooks.run(["pre-commit"], force=True, opts=Options(out=io.StringIO()))
    kept = sorted(p.read_text() for p in hooks.iterdir() if ".credgate-backup." in p.name)
    assert kept == ["#!/bin/sh\necho mine\n", "#!/bin/sh\necho second\n"]
