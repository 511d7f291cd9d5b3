"""`credgate incident -o` creates a new file or refuses: never through a link (issue 18, item 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Repo, aws_pair


def leaked_history(repo: Repo) -> None:
    key_id, key = aws_pair()
    repo.stage(".env.master", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    repo.commit("add master env")


def incident(repo: Repo, output: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", "incident", "-o", output],
        cwd=repo.path, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_dangling_symlink_is_not_written_through(repo: Repo, tmp_path: Path) -> None:
    leaked_history(repo)
    outside = tmp_path / "outside" / "authorized_keys"
    outside.parent.mkdir()
    (repo.path / "postmortem.md").symlink_to(outside)  # dangling: exists() says False
    proc = incident(repo, "postmortem.md")
    assert proc.returncode == 2, proc.stderr
    assert "symbolic link" in proc.stderr and "--output" in proc.stderr
    assert not outside.exists()


def test_a_symlink_to_an_existing_file_is_refused(repo: Repo, tmp_path: Path) -> None:
    leaked_history(repo)
    victim = tmp_path / "notes.md"
    victim.write_text("mine\n")
    (repo.path / "report.md").symlink_to(victim)
    assert incident(repo, "report.md").returncode == 2
    assert victim.read_text() == "mine\n"


def test_a_new_file_is_written(repo: Repo, tmp_path: Path) -> None:
    leaked_history(repo)
    target = tmp_path / "postmortem.md"
    proc = incident(repo, str(target))
    assert proc.returncode == 0, proc.stderr  # a draft was written
    assert target.read_text().startswith("# Postmortem")
    assert "AKIA****" in target.read_text()
