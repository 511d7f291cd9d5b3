"""`credgate baseline`: accept today's findings so the gate blocks only new ones.

Scans the files git tracks (as `credgate scan .` does) and writes every blocking
finding to `.credgate-baseline.json`, keyed on rule and fingerprint, never on line
numbers. The gate commands (`secrets`, `scan`, `scan-range`, `ci`) then skip what the
baseline accepts. `--from-detect-secrets` migrates a detect-secrets `.secrets.baseline`:
only findings whose value detect-secrets had already recorded for the same file (and
not audited as a real secret) are accepted; everything else stays a finding.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from credgate import baseline as baseline_mod
from credgate import config as config_mod
from credgate import gitio
from credgate.commands._common import build_scanner, read_disk, scan_into
from credgate.commands.scan import iter_files
from credgate.engine.finding import Finding
from credgate.errors import CLEAN, InternalError
from credgate.report import Stats, safe


def run(
    *,
    output: str | None = None,
    from_detect_secrets: str | None = None,
    config_path: str | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    root = gitio.toplevel()
    cfg = config_mod.find(root, config_path)
    cfg.baseline = None  # the new baseline is computed from every finding, not filtered by the old one
    target = output or os.path.join(root, baseline_mod.BASELINE_NAME)
    scanner = build_scanner(cfg)
    stats = Stats()
    findings: list[Finding] = []
    for file in iter_files(root, use_git=True, include_ignored=False):
        rel = os.path.relpath(file, root)
        if not os.path.lexists(file) or cfg.is_excluded(rel):
            continue
        data = read_disk(file, cfg.max_file_size, stats, rel)
        if data is not None:
            scan_into(scanner, data, rel, None, True, stats, findings)
    if stats.unreadable:
        raise InternalError(
            f"{len(stats.unreadable)} file(s) could not be read, so no baseline was written",
            "check file permissions and run it again",
        )
    findings = [f for f in findings if f.blocking]
    left: list[Finding] = []
    if from_detect_secrets:
        known = baseline_mod.detect_secrets_hashes(from_detect_secrets)
        accepted = [
            f for f in findings if baseline_mod.detect_secrets_hash(f.secret) in known.get(f.path, set())
        ]
        left = [f for f in findings if f not in accepted]
        findings = accepted
    text = baseline_mod.document(findings, root)
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)
    entries = text.count('"fingerprint"')
    print(f"credgate: wrote {safe(os.path.relpath(target))} with {entries} accepted finding(s)", file=out)
    if from_detect_secrets:
        print(
            f"credgate: {len(left)} finding(s) were not in the detect-secrets baseline and still block",
            file=out,
        )
    if entries:
        print(
            "credgate: a baseline stops the gate from repeating known findings; it does not make them "
            "safe. Rotate every real credential it lists.",
            file=out,
        )
    return CLEAN


@click.command("baseline")
@click.option("--output", type=click.Path(dir_okay=False), help="Where to write it (default: "
              f"{baseline_mod.BASELINE_NAME} at the repository root).")  # fmt: skip
@click.option(
    "--from-detect-secrets",
    type=click.Path(dir_okay=False, exists=True),
    help="Accept only what this detect-secrets .secrets.baseline already lists.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use "
              "instead of .credgate.toml at the repository root.")  # fmt: skip
@click.pass_context
def command(
    ctx: click.Context, output: str | None, from_detect_secrets: str | None, config_path: str | None
) -> None:
    """Accept the current findings in a baseline, so only new ones block."""
    ctx.exit(run(output=output, from_detect_secrets=from_detect_secrets, config_path=config_path))
