"""`credgate install-hooks`: the plain git hooks, for teams without pre-commit.

Copies the shipped POSIX-sh hooks into the directory git reads hooks from in
this clone (honouring `core.hooksPath`). A hook that is not credgate's is never
overwritten without `--force`: it may be another tool's gate.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Sequence, TextIO

import click

from credgate import gitio
from credgate.errors import CLEAN, UsageError

MARKER = b"credgate"


def shipped_hooks() -> dict[str, str]:
    import importlib

    # `credgate.hooks` is the hooks/ folder mapped in as a package (see pyproject.toml).
    base = os.path.dirname(os.path.abspath(str(importlib.import_module("credgate.hooks").__file__)))
    return {
        name: os.path.join(base, name)
        for name in sorted(os.listdir(base))
        if not name.startswith(("_", ".")) and os.path.isfile(os.path.join(base, name))
    }


def run(hooks: Sequence[str] = (), force: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    available = shipped_hooks()
    wanted = list(hooks) or [h for h in ("pre-commit", "pre-push") if h in available]
    unknown = [h for h in wanted if h not in available]
    if unknown:
        raise UsageError(f"no such hook: {', '.join(unknown)}", f"available: {', '.join(available)}")
    target_dir = gitio.hooks_dir()
    os.makedirs(target_dir, exist_ok=True)
    for name in wanted:
        target = os.path.join(target_dir, name)
        if os.path.lexists(target) and not force:
            with open(target, "rb") as fh:
                if MARKER not in fh.read():
                    raise UsageError(
                        f"{target} exists and is not a credgate hook",
                        "chain it by hand, or rerun with --force to replace it",
                    )
        with open(available[name], "rb") as src:
            body = src.read()
        tmp = target + ".credgate-tmp"
        with open(tmp, "wb") as dst:
            dst.write(body)
        os.chmod(tmp, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        os.replace(tmp, target)
        print(f"credgate: installed {name} hook in {target}", file=out)
    return CLEAN


@click.command("install-hooks")
@click.option(
    "--hook", "hooks", multiple=True, help="Hook to install (repeatable; default pre-commit and pre-push)."
)
@click.option("--force", is_flag=True, help="Replace an existing hook that is not credgate's.")
@click.pass_context
def command(ctx: click.Context, hooks: tuple[str, ...], force: bool) -> None:
    """Install credgate's plain git hooks into this clone."""
    ctx.exit(run(hooks, force))
