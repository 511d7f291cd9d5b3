"""Hook `credgate-range` / `credgate scan-range`: every commit in a push or range.

Each commit is judged on what it adds, so a secret added and removed inside the
range still blocks, and merges are judged on what the merge itself introduces.
Commit messages are scanned too, and each tip is peeled: an annotated tag's
message, or a blob or tree a tag points at, is published as much as a commit.
Ranges come from `--from-ref/--to-ref`, from pre-commit's PRE_COMMIT_FROM_REF /
PRE_COMMIT_TO_REF, from git's pre-push stdin (`--pre-push`) or from a bare
repository's pre-receive stdin (`--pre-receive`). A range that cannot be
resolved is an error, never a pass. The decisions are in gate/ (range_refs,
ranges, range_judge), the lines this command prints in output/ranges.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN
from credgate.gate import range_judge, range_refs
from credgate.gate.report import Stats
from credgate.output import progress

# Moved to gate/: `history` and the tests import these names from here until the lead rewrites them.
from credgate.output import ranges as out_ranges
from credgate.output.emit import emit

DEFAULT_OPTIONS = Options()  # frozen: one shared default


def run(
    from_ref: str | None = None,
    to_ref: str | None = None,
    pre_push: tuple[str, str] | None = None,
    pre_receive: bool = False,
    stdin: TextIO | None = None,
    *,
    opts: Options = DEFAULT_OPTIONS,
) -> int:
    stdin = stdin or sys.stdin
    err = opts.stderr
    warn = out_ranges.warner(err)
    if pre_receive:
        lines = stdin.read().splitlines()
        ranges = range_refs.from_pre_receive(lines)
        jobs = range_judge.receive_jobs(lines, ranges, opts.config_path, warn)
    else:
        cfg = range_judge.disk_config(opts.config_path)
        if pre_push is not None:
            ranges = range_refs.from_pre_push(stdin.read().splitlines(), pre_push[0])
        else:
            asked = range_refs.requested(from_ref, to_ref, os.environ)
            if isinstance(asked, range_refs.Unpushed):
                if asked.unknown:
                    out_ranges.nothing_known_pushed(asked.name, asked.unknown, err)
                asked = asked.rng
            ranges = [asked]
        jobs = [range_judge.disk_job(cfg, ranges)]
    all_ranges = [r for job in jobs for r in job.ranges]
    if not all_ranges:
        out_ranges.only_deletions(err)
        return CLEAN
    # A bar on a terminal for a long range (not piped, not in a quick hook run); the gate counts
    # commits into stats, which moves it.
    bar = progress.Bar("scanning commits", "commits", err, total=lambda: range_refs.count_commits(all_ranges))
    stats = progress.counting_stats(bar, "commits") if bar.enabled else Stats()
    scope = out_ranges.scope(all_ranges[0].label, pushing=bool(pre_push or pre_receive))
    report = range_judge.judge(jobs, stats, scope, pre_receive, warn)
    bar.close()
    return emit(report, opts.fmt, opts.verbose, opts.out, opts.err)


@click.command("scan-range")
@click.option("--from-ref", help="Start of the range (exclusive). Default: $PRE_COMMIT_FROM_REF.")
@click.option("--to-ref", help="End of the range (inclusive). Default: $PRE_COMMIT_TO_REF.")
@click.option(
    "--pre-push",
    "pre_push",
    nargs=2,
    metavar="REMOTE URL",
    help="Read git's pre-push hook input from stdin (pass the hook's two arguments).",
)
@click.option("--pre-receive", is_flag=True, help="Read a bare repository's pre-receive input from stdin.")
@shared_options()
@click.pass_context
def command(
    ctx: click.Context,
    from_ref: str | None,
    to_ref: str | None,
    pre_push: tuple[str, str] | None,
    pre_receive: bool,
    opts: Options,
) -> None:
    """Scan every commit in a range, push or receive for secrets it adds."""
    ctx.exit(run(from_ref, to_ref, pre_push or None, pre_receive, opts=opts))
