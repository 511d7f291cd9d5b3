"""`credgate filters check` and `credgate filters list`: the decoy filters and their own examples."""

from __future__ import annotations

import click

from credgate.commands._options import Options, shared_options
from credgate.engine.rules import RuleError, load
from credgate.errors import CLEAN, FINDINGS, UsageError

_DEFAULTS = Options()  # frozen, so one shared default is safe


def run_check(*, opts: Options = _DEFAULTS) -> int:
    """Every filter's examples through the scanner with the bundled rules; 1 when a filter misses a
    positive example, judges a negative one, or names a rule or a notice that does not exist."""
    from credgate.engine.filters.check import check
    from credgate.output.filters import write_check

    try:
        ruleset = load()
    except RuleError as exc:
        raise UsageError(str(exc), "fix the rule file") from None
    problems, outcomes = check(ruleset)
    write_check(opts.fmt, problems, outcomes, opts.verbose, opts.stdout)
    return FINDINGS if problems else CLEAN


def run_list(*, opts: Options = _DEFAULTS) -> int:
    from credgate.output.filters import write_list

    write_list(opts.fmt, opts.stdout)
    return CLEAN


@click.group("filters")
def command() -> None:
    """Inspect and check the decoy filters (docs/filters.md lists them)."""


@command.command("check")
@shared_options(formats=("text", "json"), config=False)
@click.pass_context
def check_cmd(ctx: click.Context, opts: Options) -> None:
    """Fail when a filter does not judge its positive examples or judges a negative one."""
    ctx.exit(run_check(opts=opts))


@command.command("list")
@shared_options(formats=("text", "json", "markdown"), verbose=False, config=False)
@click.pass_context
def list_cmd(ctx: click.Context, opts: Options) -> None:
    """List the filters in the order they judge: name, verdict, scope (markdown: docs/filters.md)."""
    ctx.exit(run_list(opts=opts))
