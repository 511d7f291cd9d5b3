"""Issue 18 item 6: check-gitignore agrees with git, and judges the .gitignore teammates get."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from credgate import gitio
from credgate.commands import check_gitignore
from credgate.commands._options import Options
from credgate.config import Config
from credgate.gate import audit as audit_gate
from credgate.gate.credential_files import Classifier
from credgate.policy import DEFAULT_PROTECTED, ENV_TEMPLATES
from tests.conftest import Repo

FULL = "".join(f"{p.pattern}\n" for p in DEFAULT_PROTECTED)
FULL += "".join(f"!{t}\n" for t in sorted(ENV_TEMPLATES))


def run() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = check_gitignore.run(opts=Options(out=out, err=err))
    return rc, out.getvalue()


def git_status_lists(repo: Repo, name: str) -> bool:
    return name.encode() in repo.git("status", "--porcelain", "-z", "--untracked-files=all").encode()


def test_an_untracked_gitignore_covers_nobody_else(repo: Repo) -> None:
    repo.write(".gitignore", FULL)  # written, never staged: a teammate's clone does not have it
    rc, out = run()
    assert rc == 1
    assert "which is not committed or staged" in out
    assert "git add -- .gitignore" in out
    repo.git("add", ".gitignore")
    assert run()[0] == 0
    repo.commit()
    assert run()[0] == 0


def test_a_gitignore_hidden_by_info_exclude_covers_nobody_else(repo: Repo) -> None:
    repo.write(".gitignore", FULL)
    repo.write(".git/info/exclude", ".gitignore\n")
    repo.git("add", "--all")  # skips the hidden .gitignore, as it would for the user
    assert "A  .gitignore" not in repo.git("status", "--short")
    assert run()[0] == 1


def test_an_unstaged_change_to_a_committed_gitignore_does_not_count(repo: Repo) -> None:
    repo.write(".gitignore", ".env\n")
    repo.git("add", ".gitignore")
    repo.commit()
    repo.write(".gitignore", FULL)  # fixed in the work tree only
    rc, out = run()
    assert rc == 1 and ".env.*" in out
    repo.git("add", ".gitignore")
    assert run()[0] == 0


def test_audit_judges_the_committed_gitignore(repo: Repo) -> None:
    repo.write(".gitignore", FULL)
    state = gitio.repo_state()
    result = audit_gate.check_gitignore(state.toplevel, Classifier(Config()))
    assert result.safe is False
    repo.git("add", ".gitignore")  # staged is not yet what a clone gets: the audit judges HEAD
    result = audit_gate.check_gitignore(state.toplevel, Classifier(Config()))
    assert result.safe is False
    repo.commit("ignore credential files")
    result = audit_gate.check_gitignore(state.toplevel, Classifier(Config()))
    assert result.safe is True


def test_posix_classes_and_escapes_in_brackets_are_read_as_git_reads_them(repo: Repo) -> None:
    for negation in ("!.env.[[:alpha:]]*", "!.env.[a\\-z]*x", "!.env.[!0-9]*"):
        repo.write(".gitignore", FULL + negation + "\n")
        repo.git("add", ".gitignore")
        repo.write(".env.production", "A=1\n")
        exposed = git_status_lists(repo, ".env.production")
        rc, out = run()
        assert (rc == 1) == exposed, negation
        if exposed:
            assert ".env.production" in out
    repo.write(".gitignore", FULL.replace(".env.*\n", ".env.[a\\-z]*\n"))
    repo.git("add", ".gitignore")
    assert git_status_lists(repo, ".env.production")  # git: the class is a, - and z only
    rc, out = run()
    assert rc == 1 and ".env.production" in out


def test_a_reversed_range_is_accepted_as_git_accepts_it(repo: Repo) -> None:
    repo.write(".gitignore", "build/[z-a]*\n" + FULL)
    repo.git("add", ".gitignore")
    assert run()[0] == 0
    cmd = [sys.executable, "-m", "credgate", "audit", "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == proc.returncode
