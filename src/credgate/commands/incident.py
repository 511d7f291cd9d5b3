"""`credgate incident`: a postmortem draft, filled with the facts credgate can establish.

The facts (`gate.incident`: the history scan and the audit) and the Markdown draft in the incident
document's postmortem template (`output.incident`).
"""

from __future__ import annotations

from datetime import datetime

import click

from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN
from credgate.gate import history as history_gate
from credgate.gate import incident as incident_gate
from credgate.output import incident as incident_out

DEFAULTS = Options()


def run(
    *,
    output: str | None = None,
    include_reflog: bool = True,
    now: datetime | None = None,
    opts: Options = DEFAULTS,
) -> int:
    out = opts.stdout
    cfg = history_gate.load_config(opts.config_path)
    pm = incident_gate.postmortem(cfg, include_reflog, opts.config_path, now)
    if pm is None:
        incident_out.write_no_incident(out)
        return CLEAN
    text = incident_out.draft(pm)
    if output:
        incident_gate.write_new_file(output, text.encode("utf-8"))
        incident_out.write_written(output, len(pm.findings), out)
    else:
        print(text, file=out)
    # The draft is the product: writing it succeeded. `credgate history` is the gate that fails on them.
    return CLEAN


@click.command("incident")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the draft here (never overwritten)."
)
@click.option("--no-reflog", is_flag=True, help="Leave out commits only the reflog still holds.")
@shared_options(formats=(), verbose=False)  # the draft is Markdown only: no --format, no --verbose
@click.pass_context
def command(ctx: click.Context, output: str | None, no_reflog: bool, opts: Options) -> None:
    """Write a postmortem draft (Markdown) from the secrets in history and the audit's findings."""
    ctx.exit(run(output=output, include_reflog=not no_reflog, opts=opts))
