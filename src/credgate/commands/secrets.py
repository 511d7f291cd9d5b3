"""Hook `credgate-secrets` / `credgate secrets`: the staged-secret gate.

Scans what the commit will record: blobs in the index, whole (so pairs and
multi-line keys are seen), blocking on findings that touch lines this commit
adds. Files named on the command line that are not staged (pre-commit's
`--all-files` and `--files`) are scanned from disk, every line; a named file
that is staged is judged like the plain hook judges it, on the lines it adds.
Large files are scanned a window at a time; one over max-file-size blocks.
What a commit adds, and how it is judged, lives in gate/staged.py.
"""

from __future__ import annotations

from typing import Sequence

import click

from credgate.commands._options import Options, PathsCommand, shared_options
from credgate.gate.staged import scan_staged
from credgate.output.emit import emit


def run(
    paths: Sequence[str] = (),
    *,
    all_lines: bool = False,
    opts: Options = Options(),  # noqa: B008 - frozen: one shared default is safe
) -> int:
    report = scan_staged(paths, all_lines=all_lines, config_path=opts.config_path)
    return emit(report, opts.fmt, opts.verbose, opts.out, opts.err)


@click.command("secrets", cls=PathsCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--all-lines", is_flag=True, help="Block on any finding in a staged file, not only on added lines."
)
@shared_options()
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], all_lines: bool, opts: Options) -> None:
    """Scan staged changes (the git index) and fail if they add a secret.

    With PATHS (as pre-commit passes them), staged files among them are scanned
    from the index and any others from disk.
    """
    ctx.exit(run(paths, all_lines=all_lines, opts=opts))
