"""`credgate scan PATH...`: files and directories on disk, every line.

Inside a git work tree, directories are listed by git (tracked and untracked
files, `.gitignore` respected unless `--no-ignore`); elsewhere they are walked
without following symlinks. CI and ad-hoc use get the same engine and rules as
the commit hook. The walk and the judging live in gate/walk.py.
"""

from __future__ import annotations

from typing import Sequence

import click

from credgate.commands._options import Options, shared_options
from credgate.gate.report import Stats
from credgate.gate.walk import DiskScan
from credgate.output import progress
from credgate.output.emit import emit


def run(
    paths: Sequence[str],
    *,
    no_git: bool = False,
    no_ignore: bool = False,
    opts: Options = Options(),  # noqa: B008 - frozen: one shared default is safe
) -> int:
    job = DiskScan.prepare(paths, no_git=no_git, no_ignore=no_ignore, config_path=opts.config_path)
    bar = progress.Bar("scanning files", "files", opts.stderr)
    stats = progress.counting_stats(bar, "files") if bar.enabled else Stats()
    with bar:
        findings = job.scan(stats)
    return emit(job.report(findings, stats), opts.fmt, opts.verbose, opts.out, opts.stderr)


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--no-git", is_flag=True, help="Walk directories directly instead of asking git for the file list."
)
@click.option("--no-ignore", is_flag=True, help="Inside a git work tree, scan ignored files too.")
@shared_options()
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], no_git: bool, no_ignore: bool, opts: Options) -> None:
    """Scan files and directories on disk; every line counts."""
    ctx.exit(run(paths, no_git=no_git, no_ignore=no_ignore, opts=opts))
