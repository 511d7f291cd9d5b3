"""`credgate ci`: the gate `--no-verify` cannot skip, with the range CI implies.

Detects GitHub Actions, GitLab CI or a generic CI from their environment and
scans the commits the pull/merge request or push adds, with the same rules,
config and output as the hooks. A range CI cannot resolve (a clone too shallow
to contain the base, an unknown event) is an error with the fix, never a pass.
Which range an event means is gate/ci_events; judging it, gate/range_judge.
"""

from __future__ import annotations

import os
from typing import Mapping

import click

from credgate import gitio
from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN, UsageError
from credgate.gate import ci_events, range_judge
from credgate.gate.report import Stats
from credgate.output import ranges as out_ranges
from credgate.output.emit import emit

DEFAULT_OPTIONS = Options()  # frozen: one shared default


def run(
    base: str | None = None,
    head: str | None = None,
    default_branch_name: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    opts: Options = DEFAULT_OPTIONS,
) -> int:
    env = os.environ if env is None else env
    err = opts.stderr
    ci = ci_events.detect(env, base, head, default_branch_name)
    if ci.deleted:
        out_ranges.ci_only_deletion(ci.system, err)
        return CLEAN
    if not ci.head:
        raise UsageError(f"{ci.system}: the commit to scan is unknown", "pass --head REF")
    top = gitio.toplevel()
    p = ci_events.plan(ci)
    warn = out_ranges.warner(err)
    gate = range_judge.ci_gate(opts.config_path, top, p.gate_rev, warn)
    if opts.verbose:
        out_ranges.ci_plan(ci.system, ci.kind, p.rng.label, gate.state.describe(), err)
    report = range_judge.judge_ci(ci, p, gate, Stats(), out_ranges.ci_scope(p.rng.label), warn)
    return emit(report, opts.fmt, opts.verbose, opts.out, opts.err)


@click.command("ci")
@click.option("--base", help="Base commit (default: from the CI's environment).")
@click.option("--head", help="Head commit (default: from the CI's environment).")
@click.option(
    "--default-branch",
    "default_branch_name",
    metavar="NAME",
    help="The default branch, for a push without a base (default: from the CI, origin/HEAD, main or master).",
)
@shared_options()
@click.pass_context
def command(
    ctx: click.Context,
    base: str | None,
    head: str | None,
    default_branch_name: str | None,
    opts: Options,
) -> None:
    """Scan the commits a pull request or push adds, as detected from CI's environment."""
    ctx.exit(run(base, head, default_branch_name, opts=opts))
