"""`credgate history`: every secret ever committed on any ref, once each.

The walk and every decision (introductions, HEAD presence, credential files, what is accepted) are
in `gate.history`; the words each finding carries are in `output.history`.
"""

from __future__ import annotations

import click

from credgate import gitio
from credgate.commands._options import Options, shared_options
from credgate.engine.finding import Finding
from credgate.gate import history as history_gate
from credgate.gate.report import Stats
from credgate.output import history as history_out
from credgate.output import progress
from credgate.output.emit import emit

DEFAULTS = Options()


def run(*, include_reflog: bool = False, opts: Options = DEFAULTS) -> int:
    cfg = history_gate.load_config(opts.config_path)
    stats = Stats()
    revs = history_gate.history_revs(include_reflog)
    bar = progress.Bar("scanning history", "commits", opts.err, total=lambda: len(gitio.rev_list(revs)))
    named: list[Finding] = []  # credential files by name: found while the workers scan

    def find_named() -> None:
        named.extend(history_gate.named_files(cfg, include_reflog))

    with bar:
        findings = history_gate.collect(cfg, include_reflog, stats, bar if bar.enabled else None, find_named)
    report = history_gate.history_report(cfg, findings, stats, include_reflog, named)
    report = history_out.annotate(report)
    return emit(report, opts.fmt, opts.verbose, opts.out, opts.stderr)


@click.command("history")
@click.option("--include-reflog", is_flag=True, help="Also scan commits reachable only from the reflog.")
@shared_options()
@click.pass_context
def command(ctx: click.Context, include_reflog: bool, opts: Options) -> None:
    """Scan the whole history of every ref; report each secret once, where it was introduced."""
    ctx.exit(run(include_reflog=include_reflog, opts=opts))
