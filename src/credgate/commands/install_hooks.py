"""`credgate install-hooks`: the plain git hooks, for teams without pre-commit.

The pre-commit hook runs the same gate as the pre-commit framework's hooks (secrets, files,
check-gitignore), every one, and exits with the worst result.

Copies the shipped POSIX-sh hooks into the directory git itself runs hooks from
in this clone (`git rev-parse --git-path hooks`: `core.hooksPath` from any config
source). Each installed hook records the Python this credgate runs on, so the
hook runs this credgate, isolated, and not whatever `credgate` a PATH lookup
finds first (a committed `./credgate` with `.` on PATH).

Writing is link-safe: the new hook is created exclusively under a fresh random
name (O_CREAT|O_EXCL|O_NOFOLLOW) in the hooks directory and renamed over the old
entry, so a symlink planted there (a hooks directory can be tracked in the
repository) never redirects the write. credgate's own hooks carry a marker line
and are replaced freely; any other hook is left alone unless `--force`, which
first keeps it as `<hook>.credgate-backup.<UTC time>`.
"""

from __future__ import annotations

from typing import Sequence

import click

from credgate.commands._options import Options
from credgate.errors import CLEAN
from credgate.gate import hooks as gate
from credgate.output.hooks import step_line

DEFAULT = Options()


def run(
    hooks: Sequence[str] = (), force: bool = False, python: str | None = None, *, opts: Options = DEFAULT
) -> int:
    for step in gate.install(hooks, force, python):
        print(step_line(step), file=opts.stdout)
    return CLEAN


@click.command("install-hooks")
@click.option(
    "--hook", "hooks", multiple=True, help="Hook to install (repeatable; default pre-commit and pre-push)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing hook that is not credgate's (kept as <hook>.credgate-backup.<time>).",
)
@click.pass_context
def command(ctx: click.Context, hooks: tuple[str, ...], force: bool) -> None:
    """Install credgate's plain git hooks into the hooks directory git uses for this clone."""
    ctx.exit(run(hooks, force))
