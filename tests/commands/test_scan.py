"""`credgate scan PATH...`: files on disk, every line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands import scan
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import PROJECT, Repo, env_file_with_aws, secret


def run(*paths: str, **kw: object) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    opts = Options(out=out, err=err, **{k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw})  # type: ignore[arg-type]
    rc = scan.run(paths, opts=opts, **kw)  # type: ignore[arg-type]
    if opts.fmt != "text":
        # Machine output on stdout; stderr has the summary line every scan ends with.
        assert err.getvalue().count("credgate: scanned ") == 1
        return rc, out.getvalue()
    return rc, out.getvalue() + err.getvalue()


def test_directory_outside_git_is_walked(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.env").write_text(env_file_with_aws())
    (tmp_path / "clean.txt").write_text("hello\n")
    rc, out = run(str(tmp_path), fmt="json")
    doc = json.loads(out)
    assert rc == 1
    assert {f["path"] for f in doc["findings"]} == {str(tmp_path / "sub" / "a.env")}
    assert doc["stats"]["files"] == 2


def test_gitignored_files_are_skipped_inside_a_repo_unless_no_ignore(repo: Repo) -> None:
    repo.write(".gitignore", "secrets/\n")
    repo.write("secrets/prod.env", env_file_with_aws())
    repo.write("src/app.py", "print(1)\n")
    assert run(".")[0] == 0
    assert run(".", no_ignore=True)[0] == 1
    assert run(".", no_git=True)[0] == 1


def test_single_file_and_missing_path(tmp_path: Path) -> None:
    f = tmp_path / "token.txt"
    f.write_text(f"{secret('%%github:ghp_%%')}\n")
    rc, out = run(str(f))
    assert rc == 1 and "github-pat" in out
    with pytest.raises(UsageError):
        run(str(tmp_path / "nope"))


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "outside"
    target.mkdir()
    (target / "leak.env").write_text(env_file_with_aws())
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    (scanned / "link").symlink_to(target)
    (scanned / "file-link.env").symlink_to(target / "leak.env")
    assert run(str(scanned), no_git=True)[0] == 0


def test_cli_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("nothing\n")
    ok = subprocess.run([sys.executable, "-m", "credgate", "scan", str(tmp_path)], capture_output=True)
    assert ok.returncode == 0
    usage = subprocess.run([sys.executable, "-m", "credgate", "scan"], capture_output=True, text=True)
    assert usage.returncode == 2 and "name at least one file" in usage.stderr
    bad_opt = subprocess.run(
        [sys.executable, "-m", "credgate", "scan", "--bogus"], capture_output=True, text=True
    )
    assert bad_opt.returncode == 2


def test_this_repository_is_clean_by_its_own_rules() -> None:
    """Dogfood: the project's tracked and untracked files hold no secret, tests and rule examples included."""
    out = io.StringIO()
    rc = scan.run([str(PROJECT)], opts=Options(out=out, err=io.StringIO()))
    assert rc == 0, out.getvalue()
    assert not os.environ.get("CREDGATE_SKIP_DOGFOOD")


def _bad_checksum_token() -> str:
    token = secret("%%github:ghp_%%")
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last  # one character off: the CRC32 no longer matches


def _placeholder_line() -> str:
    return "WEATHER_API_KEY=" + "abcdef" + "0123456789" + "abcdef" + "0123456789" + "\n"


@pytest.mark.parametrize("text", [_placeholder_line, lambda: f"GITHUB_TOKEN={_bad_checksum_token()}\n"])
def test_notices_are_reported_but_do_not_block(tmp_path: Path, text) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "settings.txt"
    f.write_text(text())
    rc, out = run(str(f), fmt="json")
    doc = json.loads(out)
    assert rc == 0 and doc["exit_code"] == 0
    assert len(doc["findings"]) == 1
    finding = doc["findings"][0]
    assert finding["blocking"] is False and finding["advisory"] and finding["confidence"] == "low"
    rc, out = run(str(f))
    assert rc == 0 and "notice" in out and "not blocking" in out


def test_notice_formats(tmp_path: Path) -> None:
    f = tmp_path / "settings.txt"
    f.write_text(_placeholder_line())
    rc, out = run(str(f), fmt="sarif")
    result = json.loads(out)["runs"][0]["results"][0]
    assert rc == 0 and result["level"] == "note" and result["properties"]["blocking"] is False
    rc, out = run(str(f), fmt="github")
    assert rc == 0 and out.startswith("::notice ")
    rc, out = run(str(f), fmt="junit")
    assert rc == 0 and "<failure" not in out


@pytest.mark.parametrize(("mode", "rc", "count"), [("block", 1, 1), ("hide", 0, 0), ("report", 0, 1)])
def test_notices_setting(tmp_path: Path, mode: str, rc: int, count: int) -> None:
    f = tmp_path / "settings.txt"
    f.write_text(_placeholder_line())
    cfg = tmp_path / "credgate.toml"
    cfg.write_text(f'notices = "{mode}"\n')
    got, out = run(str(f), fmt="json", config_path=str(cfg))
    doc = json.loads(out)
    assert got == rc and len(doc["findings"]) == count
    if mode == "block":
        assert doc["findings"][0]["blocking"] is True


def test_bad_notices_setting_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "credgate.toml"
    cfg.write_text('notices = "sometimes"\n')
    with pytest.raises(UsageError):
        run(str(tmp_path), config_path=str(cfg))
