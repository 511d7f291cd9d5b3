"""`credgate rules check` and `credgate rules list`."""

from __future__ import annotations

from typing import Sequence

import click

from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN, FINDINGS
from credgate.gate.rules import check_keyfiles, check_rules, load_rules
from credgate.output import rules as text

DEFAULT = Options()


def run_check(extra: Sequence[str] = (), *, opts: Options = DEFAULT) -> int:
    """Every rule against its own examples; 1 when any rule misses or over-matches."""
    ruleset, problems = check_rules(extra)
    text.write_check(ruleset, problems, opts.stdout)
    keyfile_problems = check_keyfiles()
    text.write_keyfiles_check(keyfile_problems, opts.stdout)
    return FINDINGS if problems or keyfile_problems else CLEAN


def run_list(extra: Sequence[str] = (), *, opts: Options = DEFAULT) -> int:
    text.write_list(load_rules(extra), opts.fmt, opts.stdout)
    return CLEAN


@click.group("rules")
def command() -> None:
    """Inspect and check the rule set."""


_extra = click.option(
    "--rules", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra rule file."
)


@command.command("check")
@_extra
@click.pass_context
def check_cmd(ctx: click.Context, extra: tuple[str, ...]) -> None:
    """Fail when a rule misses a positive example or matches a negative one."""
    ctx.exit(run_check(extra))


@command.command("list")
@_extra
@shared_options(formats=("text", "json"), verbose=False, config=False)
@click.pass_context
def list_cmd(ctx: click.Context, extra: tuple[str, ...], opts: Options) -> None:
    """List the rules: id, severity, confidence, name."""
    ctx.exit(run_list(extra, opts=opts))
