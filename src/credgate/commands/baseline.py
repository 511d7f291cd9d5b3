"""`credgate baseline`: accept reviewed findings so the gate blocks only new ones.

Scans the files git lists (as `credgate scan .` does). Each entry binds a finding to its path,
rule and value key (see credgate.baseline); nothing is accepted without being printed:

- no baseline yet: it is created with every current finding, and `.gitattributes` gets a
  `merge=union` line for it, so two branches that each accept a finding merge cleanly;
- a baseline exists: nothing is written; the findings it does not accept are listed, and
  `--add` accepts them (printing each one). Re-running it over a merge therefore never
  re-accepts anything silently, and a file with conflict markers is refused (exit 2);
- `--history` accepts today's `credgate history` findings, one entry per path they appeared in;
- `--prune` drops entries that match nothing today;
- an entry for a file git saw renamed since is rewritten to the new path (printed; it accepts
  nothing it did not accept before);
- an old-format `.credgate-baseline.json` is converted (each converted entry is printed);
- `--from-detect-secrets` accepts only findings whose value a detect-secrets `.secrets.baseline`
  already recorded for the same file (and that an audit did not mark as a real secret).
"""

from __future__ import annotations

import click

from credgate import baseline as bl
from credgate.commands._options import Options, shared_options
from credgate.errors import CLEAN, FINDINGS
from credgate.gate import baseline_update as gate
from credgate.output import baseline as text

DEFAULT = Options()


def run(
    *,
    output: str | None = None,
    add: bool = False,
    history: bool = False,
    prune: bool = False,
    from_detect_secrets: str | None = None,
    opts: Options = DEFAULT,
) -> int:
    out = opts.stdout
    p = gate.plan(
        output=output,
        add=add,
        history=history,
        prune=prune,
        from_detect_secrets=from_detect_secrets,
        config_path=opts.config_path,
    )
    for line in text.plan_lines(p):
        print(line, file=out)
    if not p.changes:
        return FINDINGS if p.new else CLEAN
    fresh = p.fresh
    gate.write(p.target, p.entries)
    print(text.wrote_line(p), file=out)
    removed = gate.remove_legacy(p)
    if removed:
        print(text.removed_line(removed), file=out)
    if fresh:  # when creating it: a user who removed the line meant it
        for line in text.union_lines(gate.union_merge(p.root, p.target)):
            print(line, file=out)
    for line in text.closing_lines(p):
        print(line, file=out)
    return FINDINGS if p.blocked else CLEAN


@click.command("baseline")
@click.option("--add", is_flag=True, help="Accept the current findings the baseline does not accept yet "
              "(each one is printed).")  # fmt: skip
@click.option("--history", is_flag=True, help="Accept the findings `credgate history` reports, bound to "
              "every path they appeared in.")  # fmt: skip
@click.option("--prune", is_flag=True, help="Remove entries that match no current finding.")
@click.option("--output", type=click.Path(dir_okay=False), help="Where to write it (default: "
              f"{bl.BASELINE_NAME} at the repository root).")  # fmt: skip
@click.option(
    "--from-detect-secrets",
    type=click.Path(dir_okay=False, exists=True),
    help="Accept only what this detect-secrets .secrets.baseline already lists.",
)
@shared_options(formats=(), verbose=False)  # the baseline file is the output: no --format, no --verbose
@click.pass_context
def command(
    ctx: click.Context,
    add: bool,
    history: bool,
    prune: bool,
    output: str | None,
    from_detect_secrets: str | None,
    opts: Options,
) -> None:
    """Accept reviewed findings in a baseline, so only new ones block.

    Creates the baseline when there is none. Otherwise lists what it does not accept and
    changes nothing unless --add, --history or --prune says what to change.
    """
    ctx.exit(
        run(
            output=output,
            add=add,
            history=history,
            prune=prune,
            from_detect_secrets=from_detect_secrets,
            opts=opts,
        )
    )
