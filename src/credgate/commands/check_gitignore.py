"""Hook `credgate-gitignore` / `credgate check-gitignore`: does `.gitignore` keep credential files out?

Every protected name (policy.protected_list: `.env`, `.env.*`, `*.pem`...) is
probed at the root, in a synthetic deep directory and beside every nested
.gitignore (a deeper file can re-include what the root ignores), and judged
with git's own precedence by credgate.ignore, without touching the work tree.

A name ignored only through .git/info/exclude or core.excludesFile counts as
NOT covered: those files live on one machine, and the incident this guards
against was a teammate committing `.env.master`.

What blocks (exit 1) is what the incident was about: dotenv files and private keys, plus any
pattern the repository protects itself; every other pattern is one line of advice, unless
`--strict`. The report is one line per pattern, and its fix works without credgate on PATH (a
pre-commit user's case): a shell line that appends the exact lines, or the manual-stage
`credgate-gitignore-fix` hook.

`--fix` keeps one marked block at the end of the root .gitignore and rewrites
only that block; user lines are never edited. It exits 1 when it changed the
file (the pre-commit convention: re-stage and commit again), 0 once nothing is
left to do. A negation in a nested .gitignore beats any root rule, so for those
it says which line to remove instead.
"""

from __future__ import annotations

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands._options import Options, shared_options
from credgate.errors import UsageError
from credgate.gate import coverage as gate
from credgate.output import gitignore as output
from credgate.output.escape import safe

FORMATS = ("text", "json")


def run(
    *,
    fix: bool = False,
    strict: bool = False,
    cwd: str | None = None,
    opts: Options = Options(),  # noqa: B008
) -> int:
    if opts.fmt not in FORMATS:
        # A coverage verdict has no file line to annotate: SARIF, JUnit and annotations would be made up.
        raise UsageError(
            f"check-gitignore has no {safe(opts.fmt)} output", f"use --format {' or --format '.join(FORMATS)}"
        )
    top = gitio.toplevel(cwd)
    cfg = config_mod.find(top, opts.config_path)
    judgement = gate.judge(top, cfg, fix=fix, strict=strict)
    output.render(judgement, opts.stdout, opts.fmt, opts.verbose)
    if opts.verbose and opts.fmt != "json":
        print(output.summary(judgement), file=opts.stderr)
    return judgement.rc


@click.command("check-gitignore")
@click.option(
    "--fix",
    is_flag=True,
    help="Add the missing lines to the root .gitignore, in a block credgate manages (exit 1 when it did).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on every credential file pattern, not only dotenv files and private keys.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list the advice when nothing blocks.")
# Text and JSON only: a coverage verdict has no file line for SARIF, JUnit or annotations.
@shared_options(formats=FORMATS, verbose=False)
@click.pass_context
def command(ctx: click.Context, fix: bool, strict: bool, opts: Options) -> None:
    """Check that .gitignore keeps credential files (.env.*, keys, keystores...) out of git.

    Exit 1 when a dotenv or private-key pattern (any pattern with --strict, and any `protect`
    pattern) is not ignored by the repository's own .gitignore files, or is ignored only by a
    personal excludes file, or when --fix changed .gitignore; the other patterns are advice.
    """
    ctx.exit(run(fix=fix, strict=strict, opts=opts))
