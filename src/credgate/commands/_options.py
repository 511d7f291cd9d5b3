"""The options every command shares, declared once: output format, verbosity, config file and streams.

A command's click callback takes them as one `Options` value (the `shared_options` decorator gathers
them), and its `run(...)` takes that value, so tests pass `Options(fmt="json", out=buf)` instead of
repeating five keyword arguments per command.

This module does not import click until a click command is declared: the commit hook's fast path
(`credgate secrets -- FILES`, see cli.py) reads its arguments with `read_paths_args` and never loads it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from credgate.errors import UsageError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence, TextIO

FORMATS = ("text", "json", "sarif", "github", "junit")


@dataclass(frozen=True)
class Options:
    """The shared options of a command (and the streams to write to), as one value."""

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
    from functools import wraps

    import click

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


def refuse_unseparated(name: str, args: Sequence[str]) -> None:
    """Under pre-commit, file names must follow `--`; see PathsCommand. Raises UsageError (exit 2)."""
    if os.environ.get("PRE_COMMIT") == "1" and args and "--" not in args:
        raise UsageError(
            f"credgate {name} was run by pre-commit with file names but without `--` before them, "
            "so a file named like an option (--help, --config=...) would be read as one",
            f"end the hook's args with `--` in .pre-commit-config.yaml, e.g. args: [--verbose, --] "
            f"(or drop args: to use the default); for a local hook use entry: credgate {name} --",
        )


@dataclass(frozen=True)
class PathsArgs:
    """What `read_paths_args` read: the PATHS, the command's own flags that were given, the shared options."""

    paths: tuple[str, ...]
    flags: frozenset[str]
    opts: Options


def read_paths_args(
    args: Sequence[str], flags: Sequence[str] = (), formats: Sequence[str] = FORMATS
) -> PathsArgs | None:
    """The arguments of a PathsCommand declared with `flags` (long boolean options) and shared_options()
    (all three), read as click reads them; None whenever click must read them instead.

    Click's rules, as far as they go here: `--` ends the options and everything after it is a path (a
    second `--` too); before it, options and paths may mix; `--format json` and `--format=json` are one
    option; a repeated option's last value wins. None for anything else: help, an unknown option, a flag
    given a value, a missing value, a value click would refuse (a --format not in `formats`, a --config
    that is a directory, an unreadable path), and a value that starts with `-`. Click then reads the same
    arguments and prints its own message and exit code, so None is never a different answer, only a
    slower one.
    """
    paths: list[str] = []
    given: set[str] = set()
    verbose = False
    values: dict[str, str | None] = {"--format": "text", "--config": None}
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        i += 1
        if arg == "--":
            paths.extend(args[i:])
            break
        if arg[:1] != "-" or arg == "-":
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in ("-v", "--verbose") or name in flags:
            if eq:
                return None  # click: "Option '--verbose' does not take a value."
            if name in flags:
                given.add(name)
            else:
                verbose = True
            continue
        if name not in values:
            return None  # --help, -h, an unknown option, combined short flags (-vv)
        if not eq:
            if i == n:
                return None  # click: "Option '--format' requires an argument."
            value = args[i]
            i += 1
            if value[:1] == "-":
                return None  # click takes `--config --` as a value; that corner stays click's
        values[name] = value
    fmt, config_path = values["--format"], values["--config"]
    if fmt not in formats or not _path_ok(config_path, dir_okay=False):
        return None
    if not all(_path_ok(p, dir_okay=True) for p in paths):
        return None
    return PathsArgs(tuple(paths), frozenset(given), Options(str(fmt), verbose, config_path))


def _path_ok(path: str | None, dir_okay: bool) -> bool:
    """Whether click.Path(dir_okay=...) accepts `path`: anything that does not exist; else a readable file
    (or directory, when dir_okay)."""
    if path is None:
        return True
    try:
        st = os.stat(path)
    except OSError:
        return True  # click's Path does not require existence
    except ValueError:
        return False  # an embedded NUL: whatever click makes of it
    import stat

    if stat.S_ISDIR(st.st_mode) and not dir_okay:
        return False
    return os.access(path, os.R_OK)


def _paths_command() -> Any:
    import click

    class PathsCommand(click.Command):
        """A command whose PATHS pre-commit appends after the hook's args, without a `--` of its own.

        A staged file named `--help` or `--config=x.toml` must never be parsed as an option. The
        hooks end option parsing with `--` (`args: [--]` in .pre-commit-hooks.yaml, before the file
        names); a configuration whose own `args:` drop it is refused under pre-commit rather than
        run with file names that could switch the gate off.
        """

        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            refuse_unseparated(str(self.name), args)
            return super().parse_args(ctx, args)

    return PathsCommand


def __getattr__(name: str) -> Any:
    # PathsCommand subclasses click.Command, so it is defined on first use: importing Options must not
    # import click (the commit hook's fast path).
    if name == "PathsCommand":
        cls = _paths_command()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
