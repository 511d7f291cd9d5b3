"""gate/staged.py: what a commit adds, read once (staged blobs, added lines, named files from disk)."""

from __future__ import annotations

import pytest

from credgate import config as config_mod
from credgate.errors import UsageError
from credgate.gate.report import Stats
from credgate.gate.staged import Staged, StagedFile, scan_staged, under
from tests.conftest import Repo, secret


def _files(paths: list[str], cfg: config_mod.Config | None = None) -> tuple[Staged, list[StagedFile], Stats]:
    cfg = cfg or config_mod.Config()
    stats = Stats()
    staged = Staged.read(paths, cfg, stats)
    return staged, list(staged.files(cfg, stats)), stats


def _data(f: StagedFile) -> bytes:
    assert f.content.data is not None
    return f.content.data


def test_a_modified_file_is_read_from_the_index_with_the_lines_it_adds(repo: Repo) -> None:
    repo.stage("app.py", "a = 1\nb = 2\nc = 3\n")
    repo.commit()
    repo.stage("app.py", "a = 1\nb = 20\nc = 3\nd = 4\n")
    repo.write("app.py", "changed on disk after staging\n")  # the commit records the index, not this
    _, (f,), _ = _files([])
    assert (f.display, f.added, f.from_disk) == ("app.py", {2, 4}, False)
    assert _data(f) == b"a = 1\nb = 20\nc = 3\nd = 4\n"


def test_a_new_file_counts_every_line_and_is_new(repo: Repo) -> None:
    repo.stage("first.txt", "x\n")
    repo.commit()
    repo.stage("new.env", "A=1\nB=2\n")
    staged, (f,), _ = _files([])
    assert f.display == "new.env" and f.added is None
    assert staged.new_files == {"new.env"}


def test_a_pure_rename_adds_no_line_and_keeps_its_old_side(repo: Repo) -> None:
    repo.stage("old.py", "".join(f"line {i}\n" for i in range(20)))
    repo.commit()
    repo.git("mv", "old.py", "new.py")
    staged, (f,), _ = _files(["new.py"])  # named as pre-commit names it: the rename is still seen
    assert f.display == "new.py" and f.added == set()
    (change,) = staged.changes
    assert change.status == "R" and change.old_path == b"old.py"
    assert staged.new_files == set()


def test_named_files_that_are_not_staged_are_read_from_disk_every_line(repo: Repo) -> None:
    repo.stage("tracked.py", "a = 1\n")
    repo.commit()
    repo.stage("staged.py", "s = 1\n")
    repo.write("loose.py", "l = 1\n")
    (repo.path / "folder").mkdir()
    _, files, _ = _files(["staged.py", "loose.py", "tracked.py", "folder"])
    got = [(f.display, f.added, f.from_disk, _data(f)) for f in files]
    # The staged blob first, then the named files from disk in the order named; a directory is not a file.
    assert got == [
        ("staged.py", None, False, b"s = 1\n"),
        ("loose.py", None, True, b"l = 1\n"),
        ("tracked.py", None, True, b"a = 1\n"),
    ]


def test_named_paths_filter_the_index_and_a_named_directory_covers_what_is_under_it(repo: Repo) -> None:
    repo.stage("svc/a.py", "a = 1\n")
    repo.stage("svc/sub/b.py", "b = 1\n")
    repo.stage("other.py", "o = 1\n")
    _, files, _ = _files(["svc"])
    assert [f.display for f in files] == ["svc/a.py", "svc/sub/b.py"]
    assert under(b"svc/a.py", [b"svc/"]) and not under(b"svcx/a.py", [b"svc"])
    assert under(b"anything", [b"."])


def test_excluded_files_are_counted_not_read(repo: Repo) -> None:
    repo.stage("vendor/lib.py", "v = 1\n")
    repo.stage("app.py", "a = 1\n")
    repo.write("vendor/loose.py", "l = 1\n")
    cfg = config_mod.Config(exclude=["vendor/"])
    _, files, stats = _files(["vendor/lib.py", "app.py", "vendor/loose.py"], cfg)
    assert [f.display for f in files] == ["app.py"]
    assert stats.excluded == 2


def test_a_named_file_that_does_not_exist_is_a_usage_error(repo: Repo) -> None:
    repo.stage("a.py", "a = 1\n")
    with pytest.raises(UsageError, match="nope.py: no such file"):
        _files(["nope.py"])


def test_the_gate_blocks_on_added_lines_and_names_its_scope(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("old.py", f"TOKEN = '{token}'\nx = 1\n")
    repo.commit()
    repo.stage("old.py", f"TOKEN = '{token}'\nx = 2\n")  # the secret is on a line this commit keeps
    report = scan_staged()
    assert report.findings == [] and report.stats.not_blocking == 1
    assert (report.scope, report.kind) == ("staged changes", "staged")
    repo.write("loose.py", f"KEY = '{secret('%%github:ghp_%%')}'\n")
    report = scan_staged(["old.py", "loose.py"])
    assert [(f.path, f.line) for f in report.findings] == [("loose.py", 1)]
    assert (report.scope, report.kind) == ("staged changes and files", "staged")
    report = scan_staged(["loose.py"])
    assert (report.scope, report.kind) == ("files", "files")  # pre-commit --files: edited, not unstaged
    assert scan_staged(["old.py"], all_lines=True).findings[0].line == 1
