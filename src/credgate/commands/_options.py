"""The options every command shares, declared once: output format, verbosity, config file and streams.

A command's click callback takes them as one `Options` value (the `shared_options` decorator gathers
them), and its `run(...)` takes that value, so tests pass `Options(fmt="json", out=buf)` instead of
repeating five keyword arguments per command.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Sequence, TextIO

import click

from credgate.errors import UsageError

FORMATS = ("text", "json", "sarif", "github", "junit")


@dataclass(frozen=True)
class Options:
    fmt: str = "text"
    verbose: bool = False
    config_path: str | None = None
    out: TextIO | None = None
    err: TextIO | None = None

    @property
    def stdout(self) -> TextIO:
        # Resolved at use, not at construction: pytest's capsys and click's runner swap sys.stdout.
        return self.out or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self.err or sys.stderr


def shared_options(
    formats: Sequence[str] = FORMATS, verbose: bool = True, config: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare --format (from `formats`; none when empty), -v/--verbose and --config, and pass them as
    `opts=Options(...)`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def callback(*args: Any, **kwargs: Any) -> Any:
            opts = Options(
                fmt=kwargs.pop("fmt", "text"),
                verbose=kwargs.pop("verbose", False),
                config_path=kwargs.pop("config_path", None),
            )
            return fn(*args, opts=opts, **kwargs)

        wrapped: Callable[..., Any] = callback
        if config:
            wrapped = click.option(
                "--config",
                "config_path",
                type=click.Path(dir_okay=False),
                help="Config file to use instead of .credgate.toml at the repository root.",
            )(wrapped)
        if verbose:
            wrapped = click.option(
                "-v", "--verbose", is_flag=True, help="Say what was scanned: files, bytes, binaries, skips."
            )(wrapped)
        if not formats:
            return wrapped
        return click.option(
            "--format", "fmt", type=click.Choice(tuple(formats)), default="text", show_default=True
        )(wrapped)

    return decorate


class PathsCommand(click.Command):
    """A command whose PATHS pre-commit appends after the hook's args, without a `--` of its own.

    A staged file named `--help` or `--config=x.toml` must never be parsed as an option. The
    hooks end option parsing with `--` (`args: [--]` in .pre-commit-hooks.yaml, before the file
    names); a configuration whose own `args:` drop it is refused under pre-commit rather than
    run with file names that could switch the gate off.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if os.environ.get("PRE_COMMIT") == "1" and args and "--" not in args:
            raise UsageError(
                f"credgate {self.name} was run by pre-commit with file names but without `--` before them, "
                "so a file named like an option (--help, --config=...) would be read as one",
                f"end the hook's args with `--` in .pre-commit-config.yaml, e.g. args: [--verbose, --] "
                f"(or drop args: to use the default); for a local hook use entry: credgate {self.name} --",
            )
        return super().parse_args(ctx, args)
