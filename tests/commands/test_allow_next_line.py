"""`credgate:allow-next-line` covers only a line added with it, or a line that was already there."""

from __future__ import annotations

import io
import json

import pytest

from credgate.commands import scan_range, secrets
from credgate.commands._options import Options
from credgate.engine import stream
from credgate.gate import staged as staged_gate
from tests.conftest import Repo, secret

MARKERS = ["# credgate:allow-next-line", "# pragma: allowlist nextline secret"]


def staged(**kw: object) -> tuple[int, list[tuple[str, int]]]:
    out = io.StringIO()
    rc = secrets.run(opts=Options(fmt="json", out=out, err=io.StringIO()), **kw)  # type: ignore[arg-type]
    return rc, [(f["rule"], f["line"]) for f in json.loads(out.getvalue())["findings"] if f["blocking"]]


def tok() -> str:
    return f"TOKEN = '{secret('%%github:ghp_%%')}'"


@pytest.mark.parametrize("marker", MARKERS)
def test_a_line_inserted_under_an_old_marker_blocks(repo: Repo, marker: str) -> None:
    repo.stage("app.py", f"import os\n{marker}\nDEBUG = True\n")
    repo.commit()
    repo.stage("app.py", f"import os\n{marker}\n{tok()}\nDEBUG = True\n")
    assert staged() == (1, [("github-pat", 3)])
    assert staged(all_lines=True) == (1, [("github-pat", 3)])


@pytest.mark.parametrize("marker", MARKERS)
def test_the_line_under_an_old_marker_rewritten_blocks(repo: Repo, marker: str) -> None:
    repo.stage("app.py", f"{marker}\n{tok()}\n")
    repo.commit()
    repo.stage("app.py", f"{marker}\n{tok()}\n")  # a different token on the covered line
    assert staged() == (1, [("github-pat", 2)])


def test_a_marker_added_with_its_line_allows_it(repo: Repo) -> None:
    repo.stage("app.py", "import os\n")
    repo.commit()
    repo.stage("app.py", f"import os\n{MARKERS[0]}\n{tok()}\n")
    assert staged() == (0, [])


def test_an_old_marker_over_an_old_line_still_allows_it(repo: Repo) -> None:
    line = tok()
    repo.stage("app.py", f"{MARKERS[0]}\n{line}\nx = 1\n")
    repo.commit()
    repo.stage("app.py", f"{MARKERS[0]}\n{line}\nx = 2\n")
    assert staged() == (0, [])
    assert staged(all_lines=True) == (0, [])


def test_a_marker_added_over_a_line_that_was_already_there_allows_it(repo: Repo) -> None:
    line = tok()
    repo.stage("app.py", f"import os\n{line}\n")
    repo.commit()
    repo.stage("app.py", f"import os\n{MARKERS[0]}\n{line}\n")
    assert staged(all_lines=True) == (0, [])


def test_a_new_file_is_judged_whole(repo: Repo) -> None:
    repo.stage("new.py", f"{MARKERS[0]}\n{tok()}\n")
    assert staged() == (0, [])


def test_a_streamed_large_file_checks_its_markers_too(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staged_gate, "STREAM_ABOVE", 4096)
    monkeypatch.setattr(stream, "WINDOW", 8192)
    monkeypatch.setattr(stream, "OVERLAP", 1024)
    filler = "".join(f"# line {i}\n" for i in range(5000))
    repo.stage("big.py", f"{filler}{MARKERS[0]}\nDEBUG = True\n{filler}")
    repo.commit()
    repo.stage("big.py", f"{filler}{MARKERS[0]}\n{tok()}\nDEBUG = True\n{filler}")
    assert staged() == (1, [("github-pat", 5002)])


def test_range_gate_blocks_a_line_slipped_under_an_old_marker(repo: Repo) -> None:
    repo.stage("app.py", f"import os\n{MARKERS[0]}\nDEBUG = True\n")
    repo.commit("marker")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.stage("app.py", f"import os\n{MARKERS[0]}\n{tok()}\nDEBUG = True\n")
    repo.commit("slipped in")
    slipped = repo.git("rev-parse", "HEAD").strip()
    # The same blob, as a new file: its marker comes with it, so this commit alone would pass.
    repo.stage("copy.py", (repo.path / "app.py").read_bytes())
    repo.commit("copied")
    repo.stage("ok.py", f"{MARKERS[0]}\n{tok()}\n")
    repo.commit("marker and line together")
    out = io.StringIO()
    rc = scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(fmt="json", out=out, err=io.StringIO()))
    found = [(f["path"], f["line"], f["commit"]) for f in json.loads(out.getvalue())["findings"]]
    assert rc == 1
    assert found == [("app.py", 3, slipped)]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_files_check_their_markers_in_their_own_bytes(repo: Repo, codec: str) -> None:
    bom = "\ufeff" if codec == "utf-16-be" else ""
    repo.stage("win.env", (bom + f"A=1\n{MARKERS[0]}\nB=2\n").encode(codec))
    repo.commit()
    repo.stage("win.env", (bom + f"A=1\n{MARKERS[0]}\n{tok()}\nB=2\n").encode(codec))
    rc, found = staged()
    assert rc == 1 and [rule for rule, _ in found] == ["github-pat"]
    line = tok()
    repo.stage("ok.env", (bom + f"{MARKERS[0]}\n{line}\nB=2\n").encode(codec))
    repo.commit()
    repo.stage("ok.env", (bom + f"{MARKERS[0]}\n{line}\nB=3\n").encode(codec))
    repo.git("checkout", "-q", "--", "win.env")
    repo.git("reset", "-q", "--", "win.env")
    assert staged() == (0, [])


def test_history_does_not_let_a_marker_cover_a_line_from_another_hunk(repo: Repo) -> None:
    """History scans only the added lines, joined: a marker ending one hunk sits above the next hunk's
    first line there, although the two are far apart in the file."""
    from credgate.commands import history

    repo.stage("app.py", "".join(f"x{i} = {i}\n" for i in range(20)))
    repo.commit("base")
    lines = [f"x{i} = {i}" for i in range(20)]
    lines.insert(3, MARKERS[0])
    lines.insert(15, tok())
    repo.stage("app.py", "\n".join(lines) + "\n")
    repo.commit("two hunks")
    out = io.StringIO()
    rc = history.run(opts=Options(fmt="json", out=out, err=io.StringIO()))
    found = [(f["rule"], f["line"]) for f in json.loads(out.getvalue())["findings"]]
    assert rc == 1 and found == [("github-pat", 16)]
