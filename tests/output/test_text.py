"""output/text.py: the text report, its warnings and its one summary line, escaped at the edge."""

from __future__ import annotations

import io
from dataclasses import replace

from credgate.engine.finding import Finding
from credgate.gate.report import Report, Stats, human_size
from credgate.output.text import accepted_line, always_summary, summary, warnings, write_text
from tests.conftest import secret

HOSTILE = "evil\x1b[2J\n::add-mask::x.env"  # a new line would start a runner command


def _finding(path: str, value: str, line: int = 1) -> Finding:
    return Finding(
        rule_id="github-pat", rule_name="GitHub token", severity="high", confidence="high", path=path,
        line=line, col=5, end_line=line, hint="revoke it", url="", secret=value.encode(),
    )  # fmt: skip


def test_human_size() -> None:
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 5 << 20, 3 << 30)] == [
        "0 B", "1023 B", "1.0 KiB", "1.5 KiB", "5.0 MiB", "3.0 GiB",
    ]  # fmt: skip


def test_summary_says_what_was_covered_and_what_was_not() -> None:
    stats = Stats(files=3, bytes=2048, binary=["a.png"], too_large=[("big", 9)], excluded=1, not_blocking=2)
    line = summary(Report("files", [], stats))
    assert line.startswith("credgate: scanned 3 files (2.0 KiB) in files; 1 binary")
    assert "1 NOT scanned" in line and "1 excluded by config" in line and "2 finding(s) on lines" in line
    ranged = summary(Report("commits a..b", [], Stats(commits=1, files=1, bytes=10)))
    assert ranged == "credgate: scanned 1 commit (1 changed file, 10 B) a..b"


def test_warnings_and_summary_escape_hostile_paths() -> None:
    stats = Stats(files=1, binary=[HOSTILE], unreadable=[HOSTILE], skipped=[(HOSTILE, "a FIFO")])
    report = Report("files", [], stats, max_size=1024)
    for line in [*warnings(report), summary(report)]:
        assert "\x1b" not in line and "\n" not in line
        assert "evil\\x1b[2J" in line


def test_accepted_line_and_when_the_summary_always_ends_a_run() -> None:
    report = Report("files", [], Stats(baselined=2))
    assert accepted_line(report) == "credgate: 2 known findings accepted (2 by the baseline); not shown"
    assert accepted_line(Report("files", [], Stats())) is None
    assert not always_summary(report)
    assert always_summary(replace(report, kind="range")) and always_summary(replace(report, summarize=True))


def test_write_text_redacts_escapes_and_gives_fix_steps() -> None:
    token = secret("%%github:ghp_%%")
    report = Report("staged changes", [_finding(HOSTILE, token, 2)], Stats(files=1), kind="staged")
    out, err = io.StringIO(), io.StringIO()
    write_text(report, out, err, verbose=True)
    text = out.getvalue()
    assert token not in text and token[:4] in text
    assert "\x1b" not in text
    assert "credgate: 1 secret found in staged changes" in text
    assert "evil\\x1b[2J\\n::add-mask::x.env:2:5  github-pat" in text
    assert not any(line.startswith("::") for line in text.splitlines())
    assert "Replace the value in evil\\x1b[2J" in text and "git add -- " in text
    assert err.getvalue().startswith("credgate: scanned 1 file")  # -v ends with the summary line


def test_notices_are_listed_apart_and_do_not_block() -> None:
    notice = replace(_finding("docs.md", secret("%%github:ghp_%%")), advisory="example-value")
    out, err = io.StringIO(), io.StringIO()
    write_text(Report("files", [notice], Stats(files=1), kind="files"), out, err, verbose=False)
    assert out.getvalue().startswith("credgate: 1 notice (not blocking")
    assert "How to fix" not in out.getvalue() and err.getvalue() == ""
