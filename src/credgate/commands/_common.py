"""Click-level helpers the commands share: PathsCommand, and scan_options until every command uses
commands/_options.py. The scanning helpers that lived here moved to gate/scanning.py and
output/emit.py; their names stay importable from here until every caller imports them from there."""

from __future__ import annotations

import os
from typing import Any, Callable

import click

from credgate.commands._options import FORMATS as FORMATS  # moved
from credgate.errors import UsageError
from credgate.gate.scanning import ALLOWED_LARGE as ALLOWED_LARGE  # moved
from credgate.gate.scanning import CHUNK as CHUNK  # moved
from credgate.gate.scanning import STREAM_ABOVE as STREAM_ABOVE  # moved
from credgate.gate.scanning import TOO_LARGE_RULE as TOO_LARGE_RULE  # moved
from credgate.gate.scanning import BlobScan as BlobScan  # moved
from credgate.gate.scanning import Content as Content  # moved
from credgate.gate.scanning import accept_large as accept_large  # moved
from credgate.gate.scanning import added_findings as added_findings  # moved
from credgate.gate.scanning import apply_baseline as apply_baseline  # moved
from credgate.gate.scanning import build_scanner as build_scanner  # moved
from credgate.gate.scanning import cache_dir as cache_dir  # moved
from credgate.gate.scanning import open_disk as open_disk  # moved
from credgate.gate.scanning import read_disk as read_disk  # moved
from credgate.gate.scanning import scan_chunks as scan_chunks  # moved
from credgate.gate.scanning import scan_content_into as scan_content_into  # moved
from credgate.gate.scanning import scan_counted as scan_counted  # moved
from credgate.gate.scanning import scan_into as scan_into  # moved
from credgate.gate.scanning import too_large_finding as too_large_finding  # moved
from credgate.gate.scanning import touches as touches  # moved
from credgate.output.emit import emit as emit  # moved


def scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use "
                      "instead of .credgate.toml at the repository root.")(fn)  # fmt: skip
    fn = click.option(
        "-v", "--verbose", is_flag=True, help="Say what was scanned: files, bytes, binaries, skips."
    )(fn)
    fn = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)(fn)
    return fn


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
