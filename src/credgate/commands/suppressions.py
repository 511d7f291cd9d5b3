"""`credgate suppressions`: everything the team has waved through, for a reviewer to audit.

Every inline marker in the tracked files (credgate's, detect-secrets' and the other scanners' words
credgate honours; engine.filters holds the one list), found with `git grep` over the index, and every
baseline entry, each with its path, line, rule and reason. The scanned line itself is never printed:
the line a marker sits on usually holds the value it allows.
"""

from __future__ import annotations

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN
from credgate.gate import suppressions as gate
from credgate.output import suppressions as text

DEFAULT = Options()


def run(*, opts: Options = DEFAULT) -> int:
    root = gitio.toplevel()
    cfg = config_mod.find(root, opts.config_path)
    items = gate.collect(root, cfg)
    if opts.fmt == "json":
        text.write_json(items, opts.stdout)
    else:
        text.write_text(items, opts.stdout)
    return CLEAN


@click.command("suppressions")
@shared_options(formats=("text", "json"), verbose=False)
@click.pass_context
def command(ctx: click.Context, opts: Options) -> None:
    """List every inline allow marker in tracked files and every baseline entry, with its reason.

    For a reviewer auditing what the team has waved through. Never prints the lines themselves.
    """
    ctx.exit(run(opts=opts))
