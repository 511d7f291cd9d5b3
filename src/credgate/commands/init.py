"""`credgate init`: set a repository up in one non-interactive, idempotent command.

In order, each step printing one line (`wrote`, `merged`, `unchanged`, `left alone`...):

1. migration: another scanner's `.gitleaks.toml`, `.gitleaksignore` and `.secrets.baseline` are read
   (credgate.migrate) and what they mean is converted: `.credgate.toml` settings, baseline entries;
   what cannot be converted is listed with the reason;
2. `.credgate.toml`, only when the migration produced settings (never over an existing config);
3. `.pre-commit-config.yaml` with the four hooks: the repository URL pinned to a commit when credgate
   knows where it came from (`--repo URL --rev SHA`, or pip's record of a git install), else a
   `repo: local` block that runs the installed `credgate`. An existing file is merged (the hooks are
   appended to `repos:`, and the result is checked to parse to the old file plus them) or left alone;
4. the `.gitignore` block (the code of `credgate check-gitignore --fix`);
5. a CI recipe for the CI it detects (GitHub Actions, GitLab CI), with the same checks;
6. the hooks: `pre-commit install` for both hook types when pre-commit is available, otherwise the plain
   hooks (`credgate install-hooks`).

A second run changes nothing and says so. No user file is overwritten: a step that would have to is
skipped with what to do instead, and the exit code is 1.
"""

from __future__ import annotations

import click

from credgate.commands._options import Options
from credgate.errors import CLEAN, FINDINGS
from credgate.gate import setup as gate
from credgate.output import setup as text

DEFAULT = Options()


def run(
    *,
    repo_url: str | None = None,
    rev: str | None = None,
    ci: str = "auto",
    hooks: str = "auto",
    opts: Options = DEFAULT,
) -> int:
    outcome, mig = gate.setup(repo_url, rev, ci, hooks)
    text.write(outcome, mig, opts.stdout)
    return FINDINGS if outcome.refused else CLEAN


@click.command("init")
@click.option("--repo", "repo_url", metavar="URL", help="Where credgate is hosted (for the pre-commit config "
              "and the CI recipe); with --rev.")  # fmt: skip
@click.option("--rev", metavar="SHA", help="The 40-hex credgate commit to pin (`git ls-remote URL HEAD`).")
@click.option("--ci", type=click.Choice(["auto", "github", "gitlab", "none"]), default="auto",
              show_default=True, help="Which CI recipe to write.")  # fmt: skip
@click.option("--hooks", type=click.Choice(["auto", "pre-commit", "plain", "none"]), default="auto",
              show_default=True, help="How to install hooks (auto: pre-commit if installed).")  # fmt: skip
@click.pass_context
def command(ctx: click.Context, repo_url: str | None, rev: str | None, ci: str, hooks: str) -> None:
    """Set this repository up: hooks config, .gitignore, CI recipe, migration from other scanners.

    Non-interactive and idempotent: a second run changes nothing. Existing files are merged
    only when the merge can be checked, and otherwise left alone with what to add (exit 1).
    """
    ctx.exit(run(repo_url=repo_url, rev=rev, ci=ci, hooks=hooks))
