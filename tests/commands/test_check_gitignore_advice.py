"""`credgate-gitignore` on the incident repository: the real finding first, the rest as advice.

Dotenv files and private keys block; keystores, tool and cloud credential files are one line of
advice (`--strict` blocks on them). The printed fix is a shell line that needs nothing but git.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import gitio
from credgate.commands import check_gitignore
from credgate.commands._options import Options
from credgate.errors import UsageError
from credgate.gate import audit as audit_gate
from credgate.output import audit as audit_out
from credgate.policy import DEFAULT_PROTECTED, ENV_TEMPLATES
from tests.conftest import Repo, aws_pair, env_file_with_aws

BLOCKING = [p.pattern for p in DEFAULT_PROTECTED if p.kind in ("env", "private-key")]
ADVICE = [p.pattern for p in DEFAULT_PROTECTED if p.kind not in ("env", "private-key")]


def incident(repo: Repo) -> None:
    """.gitignore covers `.env` only; `.env.master` and a Markdown guide hold AWS keys."""
    repo.write(".gitignore", ".env\n")
    repo.write(".env.master", env_file_with_aws())
    key_id, key = aws_pair()
    repo.write(
        "AUTOMATION-GUIDE.md", f"# Automation\n\nexport AWS_ACCESS_KEY_ID={key_id}\nexport KEY={key}\n"
    )
    repo.git("add", ".gitignore")
    repo.commit("initial")


def cli(repo: Repo, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "credgate", "check-gitignore", *args],
        cwd=repo.path, capture_output=True, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip


def fix_line(out: str) -> str:
    return next(x for x in out.splitlines() if x.startswith("fix: "))[len("fix: ") :]


def test_incident_repository_output_is_short_and_blocks_on_env_and_keys(repo: Repo) -> None:
    incident(repo)
    proc = cli(repo)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) <= 15, proc.stdout
    assert lines[0] == f"credgate: .gitignore does not keep out {len(BLOCKING) - 1} credential file patterns:"
    # One line per blocking pattern, `.env.*` (the incident) first; `.env` is covered.
    named = [line.split()[0] for line in lines[1:] if line.startswith("  ")]
    assert named == [p for p in BLOCKING if p != ".env"]
    assert ".env.master" in lines[1] and "not ignored: no rule matches" in lines[1]
    (advice,) = [line for line in lines if line.startswith("credgate: advice")]
    assert "not blocking; --strict blocks on them" in advice
    assert all(p in advice for p in ADVICE)
    assert not any(p in "".join(named) for p in (".npmrc", "kubeconfig", "*.p12"))


def test_printed_fix_works_with_only_git_and_a_shell(repo: Repo) -> None:
    incident(repo)
    proc = cli(repo, env={"PRE_COMMIT": "1"})
    assert "pre-commit run credgate-gitignore-fix --hook-stage manual" in proc.stdout
    assert "credgate check-gitignore --fix" not in proc.stdout  # not on a pre-commit user's PATH
    command = fix_line(proc.stdout)
    done = subprocess.run(["sh", "-c", command], cwd=repo.path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert cli(repo).returncode == 0  # only advice is left: the commit passes
    ignored = gitio.check_ignore([".env.master", "a/.env.production", "x/id_rsa", ".env.example"], cwd=".")
    assert {p: v is not None for p, v in ignored.items()} == {
        ".env.master": True, "a/.env.production": True, "x/id_rsa": True, ".env.example": False,
    }  # fmt: skip
    assert (repo.path / ".gitignore").read_text().startswith(".env\n.env.*\n")
    assert ".gitignore" in repo.git("diff", "--cached", "--name-only")  # staged by the same line


def test_printed_fix_keeps_a_last_line_without_newline_whole(repo: Repo) -> None:
    repo.write(".gitignore", "node_modules/")
    repo.git("add", ".gitignore")
    command = fix_line(cli(repo).stdout)
    assert command.startswith("echo >> .gitignore && printf '%s\\n' ")
    subprocess.run(["sh", "-c", command], cwd=repo.path, check=True)
    assert (repo.path / ".gitignore").read_text().startswith("node_modules/\n.env\n.env.*\n")
    assert cli(repo).returncode == 0


def test_advice_alone_passes_and_strict_blocks(repo: Repo) -> None:
    repo.write(".gitignore", "".join(f"{p}\n" for p in BLOCKING) + "!.env.example\n")
    repo.git("add", ".gitignore")
    proc = cli(repo)
    assert (proc.returncode, proc.stdout) == (0, "")
    proc = cli(repo, "-v")
    assert proc.returncode == 0 and f"advice (not blocking; --strict blocks on them): {len(ADVICE)} more" in (
        proc.stdout
    )
    proc = cli(repo, "--strict")
    assert proc.returncode == 1
    assert f"does not keep out {len(ADVICE)} credential file patterns" in proc.stdout
    assert "advice" not in proc.stdout
    doc = json.loads(cli(repo, "--format", "json").stdout)
    flags = {p["pattern"]: (p["blocking"], p["status"]) for p in doc["patterns"]}
    assert flags[".env.*"] == (True, "covered") and flags["kubeconfig"] == (False, "not-ignored")
    assert doc["exit_code"] == 0


def test_fix_adds_every_missing_pattern(repo: Repo) -> None:
    incident(repo)
    assert cli(repo, "--fix").returncode == 1
    repo.git("add", ".gitignore")
    proc = cli(repo, "--strict")
    assert (proc.returncode, proc.stdout) == (0, "")
    assert not any(f"!{t}" in proc.stdout for t in ENV_TEMPLATES)


def test_custom_protect_patterns_block(repo: Repo) -> None:
    repo.write(".gitignore", "".join(f"{p}\n" for p in BLOCKING))
    repo.write(".credgate.toml", 'protect = ["*.secret"]\n')
    repo.git("add", ".gitignore")
    proc = cli(repo)
    assert proc.returncode == 1 and "\n  *.secret  " in proc.stdout


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit", "xml"])
def test_formats_without_a_renderer_are_refused(repo: Repo, fmt: str) -> None:
    incident(repo)
    proc = cli(repo, "--format", fmt)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "'text', 'json'" in proc.stderr
    with pytest.raises(UsageError, match=f"check-gitignore has no {fmt} output"):
        check_gitignore.run(opts=Options(fmt=fmt, out=io.StringIO()))


@pytest.mark.parametrize("command", ["files", "audit"])
def test_other_commands_refuse_formats_they_cannot_render(repo: Repo, command: str) -> None:
    incident(repo)
    for fmt in ("sarif", "github", "junit"):
        proc = subprocess.run(
            [sys.executable, "-m", "credgate", command, "--format", fmt],
            cwd=repo.path, capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == 2 and proc.stdout == "", (command, fmt, proc.stdout)


def test_audit_uses_the_same_split(repo: Repo, tmp_path: Path) -> None:
    repo.write(".gitignore", "".join(f"{p}\n" for p in BLOCKING))
    repo.git("add", ".gitignore")
    repo.commit("ignore")
    from credgate import config as config_mod
    from credgate.gate import credential_files as files_cmd

    classifier = files_cmd.Classifier(config_mod.Config())
    check = audit_gate.check_gitignore(str(repo.path), classifier)
    assert check.safe
    assert len(check.facts["advice"]) == len(ADVICE)
    assert any(d.startswith(f"advice (not unsafe): {len(ADVICE)} more") for d in audit_out.details(check))
    repo.write(".gitignore", ".env\n")
    repo.git("add", ".gitignore")
    repo.commit("only .env")
    check = audit_gate.check_gitignore(str(repo.path), classifier)
    assert not check.safe
    assert any(d.startswith("`.env.*` is NOT ignored") for d in audit_out.details(check))


def test_other_gates_name_the_fix_a_pre_commit_user_can_run(repo: Repo) -> None:
    import os

    repo.write(".env.master", "DB_HOST=db\n")
    repo.git("add", "-f", ".env.master")
    env = {**os.environ, "PRE_COMMIT": "1"}
    for command in (["files", "--", ".env.master"], ["secrets", "--"]):
        repo.write(".env.master", "DB_HOST=db\n" if command[0] == "files" else env_file_with_aws())
        repo.git("add", "-f", ".env.master")
        args = [sys.executable, "-m", "credgate", *command]
        proc = subprocess.run(args, cwd=repo.path, capture_output=True, text=True, env=env)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "pre-commit run credgate-gitignore-fix --hook-stage manual" in proc.stdout, command
        assert "credgate check-gitignore --fix" not in proc.stdout
