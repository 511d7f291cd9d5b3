"""Hook `credgate-files` / `credgate files`: block credential files, whatever .gitignore says.

The decisions are gate/credential_files.py's (by name, by content, templates' values); the text and
JSON are output/files.py's. Deletions always pass: `git rm --cached .env.master` is the fix, not a leak.
"""

from __future__ import annotations

from typing import Sequence

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands._options import Options, PathsCommand, shared_options
from credgate.errors import CLEAN, FINDINGS
from credgate.gate import credential_files as gate
from credgate.output import files as output

FORMATS = ("text", "json")


def run(paths: Sequence[str] = (), *, tracked: bool = False, opts: Options = Options()) -> int:  # noqa: B008 (frozen)
    state = gitio.repo_state()
    cfg = config_mod.find(state.toplevel, opts.config_path)
    result = gate.check(paths, tracked=tracked, cfg=cfg, state=state)
    rc = FINDINGS if result.blocked else CLEAN
    for line in output.warning_lines(result.stats, cfg.max_file_size):
        print(line, file=opts.stderr)
    if opts.fmt == "json":
        print(output.to_json(result, rc), file=opts.stdout)
        return rc
    output.write_text(result, opts.stdout)
    if opts.verbose:
        print(output.summary(result), file=opts.stderr)
    return rc


@click.command("files", cls=PathsCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--tracked", is_flag=True, help="Also check every tracked file, not only staged ones (for CI).")
@click.option("-v", "--verbose", is_flag=True, help="Say how many files were checked.")
# Not every format: a verdict on a whole file has no line to put in SARIF, JUnit or an annotation.
@shared_options(formats=FORMATS, verbose=False)
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], tracked: bool, opts: Options) -> None:
    """Block staged files that are credentials by name or content (.env.*, keys, keystores).

    Judges the index, so `git add -f` past .gitignore is caught. Deletions always pass.
    """
    ctx.exit(run(paths, tracked=tracked, opts=opts))
