"""`credgate scan DIR`: any directory of a work tree, never a silent pass over nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from credgate.commands import scan
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, secret


def run(*paths: str, **kw: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    opts = Options(out=out, err=err, **{k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw})  # type: ignore[arg-type]
    rc = scan.run(paths, opts=opts, **kw)  # type: ignore[arg-type]
    return rc, out.getvalue(), err.getvalue()


def _token_line() -> str:
    return f"TOKEN = '{secret('%%github:ghp_%%')}'\n"


@pytest.mark.parametrize("tracked", [True, False])
def test_a_subdirectory_is_scanned_from_the_top_and_from_inside(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, tracked: bool
) -> None:
    repo.write("src/pkg/config.py", _token_line())
    repo.write("src/clean.py", "x = 1\n")
    repo.write("top.py", "y = 2\n")
    if tracked:
        repo.git("add", "-A")
        repo.commit()
    rc, out, _ = run("src", fmt="json")
    doc = json.loads(out)
    assert rc == 1 and doc["stats"]["files"] == 2
    assert [f["path"] for f in doc["findings"]] == [os.path.join("src", "pkg", "config.py")]
    monkeypatch.chdir(repo.path / "src")
    rc, out, _ = run(".", fmt="json")
    doc = json.loads(out)
    assert rc == 1 and doc["stats"]["files"] == 2
    assert [f["path"] for f in doc["findings"]] == [os.path.join(".", "pkg", "config.py")]
    monkeypatch.chdir(repo.path / "src" / "pkg")
    assert run("..")[0] == 1 and run("config.py")[0] == 1


def test_what_was_left_out_is_said_and_nothing_scanned_is_an_error(repo: Repo) -> None:
    repo.write(".gitignore", "build/\n*.log\n")
    repo.write(".credgate.toml", 'exclude = ["vendor/**"]\n')
    repo.write("build/out.js", _token_line())
    repo.write("logs/app.log", _token_line())
    repo.write("logs/readme.txt", "hello\n")
    repo.write("vendor/lib.py", _token_line())
    rc, _, err = run("logs")
    assert rc == 0
    assert "1 ignored by .gitignore (--no-ignore scans them)" in err
    for path, why in (("build", "ignored by .gitignore"), ("vendor", "excluded by `exclude`")):
        with pytest.raises(UsageError, match=f"nothing was scanned in {path}: 1 {why}"):
            run(path)
    (repo.path / "empty").mkdir()
    with pytest.raises(UsageError, match="nothing was scanned in empty: no files there"):
        run("empty")
    assert run("build", no_ignore=True)[0] == 1


def test_cli_exits_2_when_nothing_was_scanned(repo: Repo) -> None:
    repo.write(".gitignore", "secret/\n")
    repo.write("secret/key.env", _token_line())
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "scan", "secret"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "nothing was scanned" in proc.stderr and "--no-ignore" in proc.stderr


def _within(seconds: float, fn: object) -> object:
    """Run fn in a thread and fail (instead of hanging the suite) if it does not return in time."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the scan hung"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def test_no_git_never_opens_a_fifo_or_a_device(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(_token_line())
    os.mkfifo(tmp_path / "pipe")
    rc, _, err = _within(20, lambda: run(str(tmp_path), no_git=True))  # type: ignore[misc]
    assert rc == 1
    assert "pipe was NOT scanned: a FIFO" in err
    with pytest.raises(UsageError, match="nothing was scanned in /dev/zero: .*a device"):
        _within(20, lambda: run("/dev/zero", no_git=True))
    with pytest.raises(UsageError, match="a FIFO"):
        _within(20, lambda: run(str(tmp_path / "pipe")))


def test_a_tracked_file_replaced_by_a_fifo_and_a_nested_repository_are_skipped_by_name(repo: Repo) -> None:
    repo.stage("data.txt", "x\n")
    nested = repo.path / "nested"
    nested.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=nested, check=True)
    (nested / "f.txt").write_text("inner\n")
    subprocess.run(["git", "add", "f.txt"], cwd=nested, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "x"], cwd=nested, check=True)
    repo.git("add", "nested")  # a gitlink, as for a submodule
    repo.stage("app.py", _token_line())
    repo.commit()
    (repo.path / "data.txt").unlink()
    os.mkfifo(repo.path / "data.txt")
    rc, _, err = _within(20, lambda: run("."))  # type: ignore[misc]
    assert rc == 1
    assert "data.txt was NOT scanned: a FIFO" in err
    assert "nested was NOT scanned: a directory (a submodule" in err


def test_a_named_symlink_to_a_directory_is_not_followed_and_says_so(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    (target / "leak.py").write_text(_token_line())
    (tmp_path / "link").symlink_to(target)
    rc, _, err = run(str(tmp_path / "link"), no_git=True)
    assert rc == 0
    assert "link was NOT scanned: a symlink to a directory" in err and "name its target" in err
    assert run(str(target), no_git=True)[0] == 1
