"""`credgate audit`: the questions every leak leaves behind (gate/audit.py answers them; output/audit.py
writes the answers). Any UNSAFE answer is exit 1; `--skip` leaves a question out."""

from __future__ import annotations

from typing import Sequence

import click

from credgate import gitio
from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN, FINDINGS
from credgate.gate import audit as gate
from credgate.output import audit as output


def run(skip: Sequence[str] = (), *, opts: Options = Options()) -> int:  # noqa: B008 (frozen)
    checks = gate.audit(skip, opts.config_path)
    # Fail closed: a check credgate could not answer is not a pass.
    rc = FINDINGS if any(c.safe is False or c.unknown for c in checks) else CLEAN
    if opts.fmt == "json":
        print(output.to_json(checks, rc), file=opts.stdout)
        return rc
    where = gitio.layout()
    output.write_text(checks, where.work_tree or where.git_dir, opts.stdout)
    return rc


@click.command("audit")
@shared_options(formats=("text", "json"), verbose=False)
@click.option(
    "--skip",
    type=click.Choice(gate.CHECKS),
    multiple=True,
    help="Leave a check out (repeatable), e.g. `--skip hooks` in CI, where no clone has hooks.",
)
@click.pass_context
def command(ctx: click.Context, skip: tuple[str, ...], opts: Options) -> None:
    """Answer the questions a leak leaves: which credential files are tracked or ever were,
    does .gitignore cover them, does a gate run on this clone and in CI. Exit 1 if any is unsafe."""
    ctx.exit(run(skip, opts=opts))
