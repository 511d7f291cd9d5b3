"""Hook `credgate-secrets` / `credgate secrets`: the staged-secret gate.

Scans what the commit will record: blobs in the index, whole (so pairs and
multi-line keys are seen), blocking on findings that touch lines this commit
adds. Files named on the command line that are not staged (pre-commit's
`--all-files` and `--files`) are scanned from disk, every line; a named file
that is staged is judged like the plain hook judges it, on the lines it adds.
Large files are scanned a window at a time; one over max-file-size blocks.
What a commit adds, and how it is judged, lives in gate/staged.py.

This runs on every commit, so it starts fast: `fast_run` reads a plain invocation's arguments without
click (cli.py tries it first), and the click command is built only when click reads them; git starts
reading the index (gitio/early.py) while the scanner is imported.
"""

from __future__ import annotations

from credgate.commands._options import Options, read_paths_args, refuse_unseparated

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Sequence

NAME = "secrets"
FLAGS = ("--all-lines",)


def run(
    paths: Sequence[str] = (),
    *,
    all_lines: bool = False,
    opts: Options = Options(),  # noqa: B008 - frozen: one shared default is safe
) -> int:
    # Imported here, not at the top: fast_run starts git before paying for the scanner's import.
    from credgate.gate.staged import scan_staged
    from credgate.output.emit import emit

    report = scan_staged(paths, all_lines=all_lines, config_path=opts.config_path)
    return emit(report, opts.fmt, opts.verbose, opts.out, opts.err)


def fast_run(args: Sequence[str]) -> int | None:
    """Run `credgate secrets ARGS` without click, or return None when click must read ARGS (see
    read_paths_args): the same checks, in the same order, with the same outcome either way."""
    parsed = read_paths_args(args, FLAGS)
    if parsed is None:
        return None
    refuse_unseparated(NAME, args)
    from credgate.gitio import early

    early.start()  # HEAD and the staged diff, read by git while Python imports the scanner
    try:
        return run(parsed.paths, all_lines="--all-lines" in parsed.flags, opts=parsed.opts)
    finally:
        early.stop()


def _command() -> Any:
    import click

    from credgate.commands._options import PathsCommand, shared_options

    @click.command(NAME, cls=PathsCommand)
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option(
        "--all-lines", is_flag=True, help="Block on any finding in a staged file, not only on added lines."
    )
    @shared_options()
    @click.pass_context
    def command(ctx: click.Context, paths: tuple[str, ...], all_lines: bool, opts: Options) -> None:
        """Scan staged changes (the git index) and fail if they add a secret.

        With PATHS (as pre-commit passes them), staged files among them are scanned
        from the index and any others from disk.
        """
        ctx.exit(run(paths, all_lines=all_lines, opts=opts))

    return command


def __getattr__(name: str) -> Any:
    # `command` (what cli.py's group asks for) is built on first use, so `run` imports without click.
    if name == "command":
        cmd = _command()
        globals()[name] = cmd
        return cmd
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
