"""output/emit.py: the format asked for on stdout, warnings and summary on stderr, the exit code."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from credgate.engine.finding import Finding
from credgate.errors import CLEAN, FINDINGS, InternalError
from credgate.gate.report import Report, Stats
from credgate.output.emit import emit
from tests.conftest import secret


def _finding() -> Finding:
    return Finding(
        rule_id="github-pat", rule_name="GitHub token", severity="high", confidence="high", path="a.py",
        line=1, col=1, end_line=1, hint="revoke it", url="", secret=secret("%%github:ghp_%%").encode(),
    )  # fmt: skip


def _emit(report: Report, fmt: str, verbose: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = emit(report, fmt, verbose, out, err)
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_the_exit_code_follows_blocking_findings_in_every_format(fmt: str) -> None:
    blocking = Report("files", [_finding()], Stats(files=1), kind="files")
    assert _emit(blocking, fmt)[0] == FINDINGS
    notice = Report("files", [replace(_finding(), advisory="example-value")], Stats(files=1), kind="files")
    assert _emit(notice, fmt)[0] == CLEAN
    assert _emit(Report("files", [], Stats(files=1), kind="files"), fmt)[0] == CLEAN


def test_an_unreadable_file_fails_closed_whatever_was_found() -> None:
    with pytest.raises(InternalError, match="1 file\\(s\\) could not be read"):
        _emit(Report("files", [], Stats(files=3, unreadable=["x"])), "json")


def test_machine_output_keeps_stdout_parseable_and_warns_on_stderr() -> None:
    report = Report("files", [_finding()], Stats(files=1, skipped=[("pipe", "a FIFO")]), summarize=True)
    rc, out, err = _emit(report, "json")
    assert json.loads(out)["exit_code"] == rc == FINDINGS
    assert err.splitlines() == [
        "credgate: warning: pipe was NOT scanned: a FIFO",
        "credgate: scanned 1 file (0 B) in files; 1 NOT scanned (named in the warnings above)",
    ]


def test_accepted_findings_get_one_line_unless_the_summary_counts_them() -> None:
    report = Report("files", [], Stats(files=1, baselined=1))
    assert _emit(report, "json")[2] == "credgate: 1 known finding accepted (1 by the baseline); not shown\n"
    _, _, err = _emit(report, "text", verbose=True)
    assert "not shown" not in err and "1 known finding accepted" in err  # -v: in the summary line
