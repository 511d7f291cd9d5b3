"""Handing a finished report to its reader: the format asked for on stdout, warnings and the summary
line on stderr, and the exit code the report calls for."""

from __future__ import annotations

import sys

from credgate.errors import CLEAN, FINDINGS, InternalError
from credgate.gate.report import Report
from credgate.output.text import accepted_line, always_summary, summary, warnings, write_text

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import TextIO


def emit(report: Report, fmt: str, verbose: bool, out: TextIO | None, err: TextIO | None) -> int:
    """Write report in fmt ("text", "json", "sarif", "github" or "junit") and return the exit code.

    A file that could not be read fails closed (exit 3) whatever was found: the scan is incomplete.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    if report.stats.unreadable:
        raise InternalError(
            f"{len(report.stats.unreadable)} file(s) could not be read, so the scan is incomplete",
            "check file permissions, or run `git fsck` if blobs are missing",
        )
    rc = FINDINGS if any(f.blocking for f in report.findings) else CLEAN
    _print_accepted(report, fmt, verbose, err)
    if fmt == "text":
        write_text(report, out, err, verbose)
        return rc
    # Imported only now: the commit hook's usual text run never pays for the machine formats.
    from credgate.output.machine import to_github, to_json, to_junit, to_sarif

    if fmt == "json":
        print(to_json(report, rc), file=out)
    else:
        render = {"sarif": to_sarif, "github": to_github, "junit": to_junit}[fmt]
        print(render(report), file=out)
    for line in warnings(report):
        print(line, file=err)
    if always_summary(report):
        print(summary(report), file=err)  # machine output on stdout; the one summary line on stderr
    return rc


def _print_accepted(report: Report, fmt: str, verbose: bool, err: TextIO) -> None:
    line = accepted_line(report)
    # The summary line counts them: -v prints it in text, and some runs always end with it.
    if line and not (verbose and fmt == "text") and not always_summary(report):
        print(line, file=err)
