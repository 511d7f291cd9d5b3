"""The `credgate` command. Subcommands are imported only when invoked, so a
hook run pays for click and its own module, not for every other command."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from credgate import __version__
from credgate.errors import INTERNAL, USAGE, CredgateError

# command name -> module under credgate.commands; each module defines `command` and `run`.
COMMANDS = {
    "secrets": "secrets",
    "scan": "scan",
    "scan-range": "scan_range",
    "ci": "ci",
    "history": "history",
    "remediate": "remediate",
    "incident": "incident",
    "rules": "rules",
    "filters": "filters",
    "install-hooks": "install_hooks",
    "check-gitignore": "check_gitignore",
    "files": "files",
    "audit": "audit",
    "baseline": "baseline",
    "init": "init",
    "suppressions": "suppressions",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        cmd: click.Command = importlib.import_module(f"credgate.commands.{module}").command
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="credgate")
def cli() -> None:
    """Keep credentials out of git: scan staged changes, files, pushes and history.

    Exit codes: 0 clean, 1 secrets found, 2 usage or configuration error,
    3 internal error (the gate fails closed: the commit or push is blocked).
    """


def main(argv: list[str] | None = None) -> Any:
    try:
        rc = cli.main(args=argv, prog_name="credgate", standalone_mode=False)
    except click.exceptions.ClickException as exc:
        exc.show()
        rc = USAGE
    except click.exceptions.Abort:
        click.echo("credgate: interrupted; nothing was checked, so the gate blocks", err=True)
        rc = INTERNAL
    except CredgateError as exc:
        from credgate.output.escape import safe

        click.echo(f"credgate: error: {safe(exc.message)}", err=True)
        if exc.hint:
            click.echo(f"credgate: fix: {safe(exc.hint)}", err=True)
        if exc.exit_code == INTERNAL:
            click.echo("credgate: failing closed: this check did not pass", err=True)
        rc = exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the gate must fail closed, never crash open
        from credgate.output.escape import redact_message

        click.echo(f"credgate: internal error: {type(exc).__name__}: {redact_message(str(exc))}", err=True)
        click.echo("credgate: failing closed: this check did not pass (please report this bug)", err=True)
        rc = INTERNAL
    sys.exit(rc if isinstance(rc, int) else 0)
