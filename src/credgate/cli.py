"""The `credgate` command. Subcommands are imported only when invoked, so a
hook run pays for its own module, not for every other command.

The commit hook runs on every commit, so its plain form (`credgate secrets [--verbose] [--] FILES`, as
pre-commit and hooks/pre-commit run it) does not even load click: commands/secrets.py reads those
arguments itself and anything else (help, an unknown option, a bad value, another command) is read by
click, with click's messages and exit codes. Either way an error fails closed the same way (`_guarded`).
"""

from __future__ import annotations

import os
import sys

from credgate import __version__
from credgate.errors import INTERNAL, USAGE, CredgateError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Callable, NoReturn

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
# Set by a shell asking click for completions: only click answers it.
COMPLETE_VAR = "_CREDGATE_COMPLETE"


def main(argv: list[str] | None = None) -> NoReturn:
    args = sys.argv[1:] if argv is None else list(argv)
    sys.exit(_guarded(lambda: _dispatch(args)))


def _dispatch(args: list[str]) -> int:
    if args[:1] == ["secrets"] and not os.environ.get(COMPLETE_VAR):
        from credgate.commands import secrets

        rc = secrets.fast_run(args[1:])
        if rc is not None:
            return rc
    return click_main(args)


def click_main(args: list[str]) -> int:
    """Run `credgate ARGS` through click (the fast path skipped): what main() does for every command but
    the commit hook's plain form. Errors other than click's own are left to the caller (`_guarded`)."""
    import click

    try:
        rc = _group().main(args=args, prog_name="credgate", standalone_mode=False)
    except click.exceptions.ClickException as exc:
        exc.show()
        rc = USAGE
    except click.exceptions.Abort:
        _say("credgate: interrupted; nothing was checked, so the gate blocks")
        rc = INTERNAL
    return rc if isinstance(rc, int) else 0


def _guarded(task: Callable[[], int]) -> int:
    """task's exit code; any error is printed and fails closed (exit 3 unless it is a usage error)."""
    try:
        return task()
    except CredgateError as exc:
        from credgate.output.escape import safe

        _say(f"credgate: error: {safe(exc.message)}")
        if exc.hint:
            _say(f"credgate: fix: {safe(exc.hint)}")
        if exc.exit_code == INTERNAL:
            _say("credgate: failing closed: this check did not pass")
        return exc.exit_code
    except (KeyboardInterrupt, EOFError):
        # As click reports it: a new line, then the interruption. (Click turns these into Abort itself.)
        _say("")
        _say("credgate: interrupted; nothing was checked, so the gate blocks")
        return INTERNAL
    except BrokenPipeError:
        # As click does: whoever read the output has gone (`credgate secrets | head`); exit 1, quietly.
        sys.stdout = _Quiet(sys.stdout)
        sys.stderr = _Quiet(sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the gate must fail closed, never crash open
        from credgate.output.escape import redact_message

        _say(f"credgate: internal error: {type(exc).__name__}: {redact_message(str(exc))}")
        _say("credgate: failing closed: this check did not pass (please report this bug)")
        return INTERNAL


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class _Quiet:
    """A stream whose flush ignores a closed pipe, so the interpreter's last flush at exit does not print
    a traceback (click's _PacifyFlushWrapper)."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        from contextlib import suppress

        with suppress(OSError):
            self.wrapped.flush()

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.wrapped, attr)


_GROUP: list[Any] = []


def _group() -> Any:
    """The click group, built on first use (click is imported only then)."""
    if _GROUP:
        return _GROUP[0]
    import importlib

    import click

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

    _GROUP.append(cli)
    return cli


def __getattr__(name: str) -> Any:
    # `from credgate.cli import cli`: the click group, for tests and tools that drive it directly.
    if name == "cli":
        return _group()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
