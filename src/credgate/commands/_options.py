"""The options every command shares, declared once: output format, verbosity, config file and streams.

A command's click callback takes them as one `Options` value (the `shared_options` decorator gathers
them), and its `run(...)` takes that value, so tests pass `Options(fmt="json", out=buf)` instead of
repeating five keyword arguments per command.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Sequence, TextIO

import click

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
    """Declare --format (from `formats`), -v/--verbose and --config, and pass them as `opts=Options(...)`."""

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
        return click.option(
            "--format", "fmt", type=click.Choice(tuple(formats)), default="text", show_default=True
        )(wrapped)

    return decorate
