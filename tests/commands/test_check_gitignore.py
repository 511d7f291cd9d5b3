"""Hook `credgate-gitignore`: .gitignore coverage of credential file names, in real repositories."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from credgate import gitio
from credgate.commands import check_gitignore
from credgate.commands._options import Options
from credgate.errors import UsageError
from credgate.gate.coverage import BLOCK_END, BLOCK_START
from credgate.policy import DEFAULT_PROTECTED, ENV_TEMPLATES
from tests.conftest import Repo

# Every default pattern, templates kept trackable: what a covered repository looks like.
FULL = "".join(f"{p.pattern}\n" for p in DEFAULT_PROTECTED) + "".join(
    f"!{t}\n" for t in sorted(ENV_TEMPLATES)
)


def stage_ignore_files(cwd: Path | None = None) -> None:
    """What a user does before committing: coverage is judged on .gitignore files as staged."""
    subprocess.run(
        ["git", "add", "--all", "--", ":(glob)**/.gitignore"], cwd=cwd, check=False, capture_output=True
    )


def run(stage: bool = True, fix: bool = False, strict: bool = False, **kw: Any) -> tuple[int, str, str]:
    if stage:
        stage_ignore_files()
    out, err = io.StringIO(), io.StringIO()
    rc = check_gitignore.run(fix=fix, strict=strict, opts=Options(out=out, err=err, **kw))
    return rc, out.getvalue(), err.getvalue()


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    stage_ignore_files(cwd)
    return subprocess.run(
        [sys.executable, "-m", "credgate", "check-gitignore", *args], cwd=cwd, capture_output=True, text=True
    )


def added(out: str) -> list[str]:
    """The lines the printed one-line fix appends to .gitignore."""
    line = next(x for x in out.splitlines() if x.startswith("fix: printf "))
    words = shlex.split(line[len("fix: printf ") :].split(" >> ", 1)[0])
    return words[1:]


def git_ignores(repo: Repo, *paths: str) -> dict[str, bool]:
    return {p: v is not None for p, v in gitio.check_ignore(paths, cwd=str(repo.path)).items()}


def test_incident_env_and_env_local_only(repo: Repo) -> None:
    repo.write(".gitignore", ".env\n.env.local\n")
    rc, out, _ = run()
    assert rc == 1
    assert "\n  .env.*  .env.master, " in out and "(per-environment dotenv file" in out
    assert "not ignored: no rule matches" in out
    add = added(out)
    assert ".env.*" in add and "!.env.example" in add and ".env" not in add
    assert add.index(".env.*") < add.index("!.env.example")
    assert git_ignores(repo, ".env.master") == {".env.master": False}  # git agrees it is exposed


def test_full_coverage_passes_silently(repo: Repo) -> None:
    repo.write(".gitignore", FULL)
    repo.write("svc/.gitignore", "node_modules/\n")
    assert run() == (0, "", "")
    rc, _, err = run(verbose=True)
    assert rc == 0 and "checked 28 credential file patterns" in err


def test_negation_in_the_root_file_is_named_and_fixable(repo: Repo) -> None:
    repo.write(".gitignore", FULL + "!.env.production\n")
    rc, out, _ = run()
    assert rc == 1
    assert f".env.production  re-included by .gitignore:{FULL.count(chr(10)) + 1}: !.env.production" in out
    # `.env.*` after the user's `!.env.example` would hide the templates again: the negations follow it.
    assert added(out) == [".env.*"] + [f"!{t}" for t in sorted(ENV_TEMPLATES)]
    assert "Remove these lines" not in out  # appending `.env.*` after it is enough


def test_negation_in_a_nested_gitignore_cannot_be_fixed_from_the_root(repo: Repo) -> None:
    repo.write(".gitignore", FULL)
    repo.write("services/api/.gitignore", "# local overrides\n!.env.local\n")
    before = (repo.path / ".gitignore").read_bytes()
    rc, out, _ = run(fix=True)
    assert rc == 1
    assert "services/api/.env.local, services/api/credgate-probe/.env.local  re-included by " in out
    assert "Remove these lines" in out
    assert "    services/api/.gitignore:2: !.env.local  re-includes " in out
    assert "a .gitignore in a subdirectory overrides the root one" in out
    assert "fix: printf" not in out
    assert (repo.path / ".gitignore").read_bytes() == before  # nothing useful to append: untouched
    assert git_ignores(repo, "services/api/.env.local", "services/.env.local") == {
        "services/api/.env.local": False,
        "services/.env.local": True,
    }


def test_anchored_env_covers_only_the_root(repo: Repo) -> None:
    repo.write(".gitignore", FULL.replace(".env\n", "/.env\n", 1))
    rc, out, _ = run()
    assert rc == 1
    # Probed one and two levels down (the probe definition `audit` shares).
    assert (
        "\n  .env  credgate-probe/deeper/.env, credgate-probe/.env  not ignored: no rule matches"
        "  (dotenv file" in out
    )
    assert "\n  .env  .env" not in out  # the root one is covered
    assert git_ignores(repo, ".env", "app/.env") == {".env": True, "app/.env": False}


def test_core_excludes_file_alone_is_not_coverage(repo: Repo, tmp_path: Path) -> None:
    personal = tmp_path / "my-global-ignore"
    personal.write_text("*.pem\n")
    repo.git("config", "core.excludesFile", str(personal))
    repo.write(".gitignore", FULL.replace("*.pem\n", ""))
    rc, out, _ = run()
    assert rc == 1
    assert (
        "server.pem, credgate-probe/deeper/server.pem, credgate-probe/server.pem"
        f"  ignored only by {personal}:1: *.pem" in out
    )
    assert "(this machine only)" in out and "stay on this machine" in out
    assert "*.pem" in added(out)
    assert git_ignores(repo, "server.pem") == {"server.pem": True}  # git ignores it here, yet rc is 1


def test_info_exclude_alone_is_not_coverage(repo: Repo) -> None:
    repo.write(".gitignore", FULL.replace(".env.*\n", ""))
    exclude = repo.path / ".git" / "info" / "exclude"
    exclude.write_text(exclude.read_text() + ".env.*\n")
    line = exclude.read_text().count("\n")
    rc, out, _ = run(fmt="json")
    doc = json.loads(out)
    assert rc == 1 and doc["exit_code"] == 1 and doc["covered"] is False
    (env_star,) = [p for p in doc["patterns"] if p["pattern"] == ".env.*"]
    assert env_star["status"] == "personal-only"
    failing = env_star["failing"][0]
    assert failing["ignored"] is True and failing["personal_only"] is True
    assert failing["rule"] == {
        "source_kind": "info/exclude", "source": ".git/info/exclude", "line": line, "pattern": ".env.*",
        "negated": False,
    }  # fmt: skip
    # The user's own `!.env.example` comes before the new `.env.*`, so the block repeats the negations.
    assert doc["add"] == [".env.*"] + [f"!{t}" for t in sorted(ENV_TEMPLATES)]


def test_fix_is_idempotent_and_never_touches_user_lines(repo: Repo) -> None:
    user = "# build output\ndist/\n.env\n.env.local\n!.env.example\n"
    repo.write(".gitignore", user)
    rc, out, _ = run(fix=True)
    assert rc == 1
    assert "added credgate's block to .gitignore; review it, then stage it: git add .gitignore" in out
    text = (repo.path / ".gitignore").read_text()
    assert text.startswith(user)
    assert text.count(BLOCK_START) == 1 and text.count(BLOCK_END) == 1
    block = text[len(user) :].splitlines()
    assert block[0] == BLOCK_START and block[-1] == BLOCK_END
    assert ".env.*" in block and ".env" not in block
    # The user's `!.env.example` is above the block's `.env.*`, so the block must repeat it below.
    assert block.index(".env.*") < block.index("!.env.example") and "!.env.sample" in block

    assert run(fix=True) == (0, "", "")
    assert run() == (0, "", "")
    assert (repo.path / ".gitignore").read_text() == text
    assert git_ignores(repo, ".env.master", "a/b/.env.prod", ".env.example", ".env.sample", "x/id_rsa") == {
        ".env.master": True, "a/b/.env.prod": True, ".env.example": False, ".env.sample": False,
        "x/id_rsa": True,
    }  # fmt: skip


def test_fix_updates_its_block_in_place(repo: Repo) -> None:
    stale = f"top\n{BLOCK_START}\n*.old-pattern\n{BLOCK_END}\n# kept after the block\nlast\n"
    repo.write(".gitignore", stale)
    assert run(fix=True)[0] == 1
    lines = (repo.path / ".gitignore").read_text().splitlines()
    start, end = lines.index(BLOCK_START), lines.index(BLOCK_END)
    assert lines[:start] == ["top"] and lines[end + 1 :] == ["# kept after the block", "last"]
    assert "*.old-pattern" not in lines and ".env.*" in lines[start:end]
    assert run(fix=True)[0] == 0


def test_fix_creates_the_file_and_keeps_crlf(repo: Repo) -> None:
    assert run(fix=True)[0] == 1
    created = (repo.path / ".gitignore").read_text()
    assert created.startswith(BLOCK_START + "\n") and ".env\n" in created
    assert run()[0] == 0

    repo.write(".gitignore", ".env")  # no final newline: the block still starts on its own line
    assert run(fix=True)[0] == 1
    assert (repo.path / ".gitignore").read_text().startswith(f".env\n{BLOCK_START}\n")

    repo.write(".gitignore", b".env\r\n.env.local\r\n")
    assert run(fix=True)[0] == 1
    data = (repo.path / ".gitignore").read_bytes()
    assert data.startswith(b".env\r\n.env.local\r\n") and data.count(b"\n") == data.count(b"\r\n")
    assert run(fix=True)[0] == 0


def test_a_later_user_negation_after_the_block_must_be_removed(repo: Repo) -> None:
    text = f"{BLOCK_START}\n{FULL}{BLOCK_END}\n!.env.staging\n"
    repo.write(".gitignore", text)
    rc, out, _ = run(fix=True)
    assert rc == 1
    assert f"    .gitignore:{text.count(chr(10))}: !.env.staging  re-includes " in out
    assert "it comes after credgate's block" in out


def test_nothing_is_written_without_fix(repo: Repo) -> None:
    assert run()[0] == 1
    assert not (repo.path / ".gitignore").exists()
    repo.write(".gitignore", ".env\n")
    assert run(fmt="json")[0] == 1
    assert (repo.path / ".gitignore").read_text() == ".env\n"


def test_config_protect_and_unprotect(repo: Repo) -> None:
    repo.write(".gitignore", FULL.replace("*.pem\n", ""))
    repo.write(".credgate.toml", 'unprotect = ["*.pem"]\nprotect = ["*.secret", "config/master.txt"]\n')
    rc, out, _ = run()
    assert rc == 1
    assert "*.pem" not in out
    assert "  *.secret  credgate-probe.secret" in out and "(listed in .credgate.toml)" in out
    assert "\n  config/master.txt  config/master.txt  not ignored" in out  # anchored: the root only
    assert "config/master.txt" in added(out)
    assert run(fix=True)[0] == 1 and run()[0] == 0


def test_fix_adds_nothing_an_earlier_block_line_already_covers(repo: Repo) -> None:
    repo.write(".gitignore", FULL.replace("*.key\n", ""))
    repo.write(".credgate.toml", 'protect = ["secrets/*.key"]\n')
    rc, out, _ = run()
    assert rc == 1 and "  secrets/*.key  secrets/credgate-probe.key  not ignored" in out
    assert run(fix=True)[0] == 1
    lines = (repo.path / ".gitignore").read_text().splitlines()
    block = lines[lines.index(BLOCK_START) + 1 : lines.index(BLOCK_END)]
    assert block == ["*.key"]  # `secrets/*.key` would add nothing after it
    assert run()[0] == 0


def test_damaged_block_is_a_usage_error(repo: Repo) -> None:
    repo.write(".gitignore", f".env\n{BLOCK_START}\n.env.*\n")
    with pytest.raises(UsageError, match="block is damaged"):
        run(fix=True)


def test_broken_config_is_exit_2(repo: Repo) -> None:
    repo.write(".gitignore", FULL)
    repo.write(".credgate.toml", "protect = '*.pem'\n")
    with pytest.raises(UsageError, match="protect must be a list of strings"):
        run()
    proc = cli(cwd=repo.path)
    assert proc.returncode == 2
    assert "credgate: error: " in proc.stderr and ".credgate.toml" in proc.stderr


def test_odd_directory_names_are_escaped(repo: Repo) -> None:
    repo.write(".gitignore", FULL)
    repo.write("\x1b[31mred/.gitignore", "!.env\n")
    rc, out, _ = run()
    assert rc == 1
    assert "\\x1b[31mred/.gitignore:1: !.env" in out
    assert "\x1b" not in out


def test_cli_exit_codes(repo: Repo, tmp_path: Path) -> None:
    repo.write(".gitignore", ".env\n.env.local\n")
    proc = cli(cwd=repo.path)
    assert proc.returncode == 1 and ".env.*" in proc.stdout
    proc = cli("--fix", cwd=repo.path)
    assert proc.returncode == 1 and "git add .gitignore" in proc.stdout
    proc = cli("--fix", "--format", "json", cwd=repo.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["covered"] is True and doc["fixed"] is False and doc["add"] == []
    assert ".env.*" in doc["block"] and "!.env.example" in doc["block"]
    assert {p["status"] for p in doc["patterns"]} == {"covered"}
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    proc = cli(cwd=outside)
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr


def test_subdirectory_cwd_checks_the_whole_repository(repo: Repo) -> None:
    repo.write(".gitignore", ".env\n")
    (repo.path / "sub").mkdir()
    os.chdir(repo.path / "sub")
    assert run(fix=True)[0] == 1
    assert (repo.path / ".gitignore").read_text().startswith(".env\n" + BLOCK_START)
    assert not (repo.path / "sub" / ".gitignore").exists()
