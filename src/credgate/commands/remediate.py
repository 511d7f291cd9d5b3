"""`credgate remediate`: the incident's playbook as a plan, or applied with `--apply`.

What is removed and how (`gate.remediation`), and the plan's and the results' words
(`output.remediation`).
"""

from __future__ import annotations

import time

import click

from credgate import gitio
from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN, FINDINGS
from credgate.gate import history as history_gate
from credgate.gate import remediation
from credgate.output import remediation as remediation_out

DEFAULTS = Options()


def run(*, apply: bool = False, write_expressions: str | None = None, opts: Options = DEFAULTS) -> int:
    out, err = opts.stdout, opts.stderr
    layout = gitio.layout()
    cfg = history_gate.load_config(opts.config_path)
    secrets = remediation.secrets_in(history_gate.ALL_REFS, cfg)
    files = remediation.credential_files_in_history(cfg)
    if not secrets and not files:
        remediation_out.write_nothing(out)
        return CLEAN
    purge = remediation.purge_for(secrets, files, cfg)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if write_expressions:
        remediation.write_private(write_expressions, remediation.expressions(purge.values))
        remediation_out.write_expressions_written(write_expressions, err)
    if not apply:
        remediation_out.write_plan(purge, files, layout, stamp, out)
        return FINDINGS
    exe = remediation.preflight(layout)
    done = remediation.rewrite(purge, layout, stamp, exe)
    remediation_out.write_rewritten(done, out)
    result = remediation.verify(purge, cfg, layout, done)
    remediation_out.write_verified(purge, layout, done, result, out)
    return CLEAN if result.clean else FINDINGS


@click.command("remediate")
@click.option("--apply", is_flag=True, help="Back up, rewrite history with git-filter-repo and verify.")
@click.option(
    "--write-expressions",
    type=click.Path(dir_okay=False),
    help="Write git-filter-repo's --replace-text file (mode 600) for a rewrite you run yourself.",
)
@shared_options(formats=(), verbose=False)  # the plan is text only: no --format, no --verbose
@click.pass_context
def command(ctx: click.Context, apply: bool, write_expressions: str | None, opts: Options) -> None:
    """Plan (or --apply) the removal of secrets from history: rotate, back up, rewrite, verify."""
    ctx.exit(run(apply=apply, write_expressions=write_expressions, opts=opts))
