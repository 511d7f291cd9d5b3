"""Hook `credgate-range` / `credgate scan-range`: every commit in a push or range.

Each commit is judged on what it adds, so a secret added and removed inside the
range still blocks, and merges are judged on what the merge itself introduces.
Ranges come from `--from-ref/--to-ref`, from pre-commit's PRE_COMMIT_FROM_REF /
PRE_COMMIT_TO_REF, from git's pre-push stdin (`--pre-push`) or from a bare
repository's pre-receive stdin (`--pre-receive`). A range that cannot be
resolved is an error, never a pass.
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Iterator, Sequence, TextIO

import click

from credgate import config as config_mod
from credgate import gitio, policy
from credgate.commands._common import (
    BlobScan,
    added_findings,
    apply_baseline,
    build_scanner,
    emit,
    scan_counted,
    scan_options,
)
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import CLEAN, InternalError, UsageError
from credgate.report import Report, Stats, safe


@dataclass(frozen=True)
class Range:
    """Commits reachable from `tip` and from none of `exclude` (git rev-list syntax)."""

    tip: str
    exclude: tuple[str, ...]
    label: str
    commits: tuple[str, ...] | None = None  # exactly these commits, when a history is split

    @property
    def revs(self) -> list[str]:
        return [self.tip, *self.exclude]


def _is_zero(sha: str) -> bool:
    return bool(sha) and set(sha) == {"0"}


def _need_commit(rev: str, what: str, cwd: str | None) -> None:
    if not gitio.commit_exists(rev, cwd):
        raise UsageError(
            f"{what} {safe(rev)} is not a commit in this repository",
            "fetch it first (git fetch), or check the ref name",
        )


def from_refs(from_ref: str | None, to_ref: str, cwd: str | None = None) -> Range:
    _need_commit(to_ref, "--to-ref", cwd)
    if not from_ref or _is_zero(from_ref):
        return Range(to_ref, ("--not", "--remotes"), f"{to_ref} (commits on no remote-tracking branch)")
    _need_commit(from_ref, "--from-ref", cwd)
    return Range(to_ref, (f"^{from_ref}",), f"{from_ref}..{to_ref}")


def from_pre_push(lines: Sequence[str], remote: str, cwd: str | None = None) -> list[Range]:
    """git's pre-push stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line."""
    ranges = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise UsageError(
                f"unexpected pre-push input line: {safe(line)!r}", "run this from git's pre-push hook"
            )
        local_ref, local_sha, remote_ref, remote_sha = parts
        if _is_zero(local_sha):
            continue  # deleting a remote branch adds nothing
        if _is_zero(remote_sha) or not gitio.commit_exists(remote_sha, cwd):
            # A new branch, or a force-push over commits this clone never fetched:
            # everything that no remote-tracking branch already has is new.
            exclude: tuple[str, ...] = ("--not", "--remotes")
            label = f"{local_ref} -> {remote}/{remote_ref} (new to the remote)"
        else:
            exclude = (f"^{remote_sha}", "--not", "--remotes")
            label = f"{local_ref} -> {remote}/{remote_ref}"
        ranges.append(Range(local_sha, exclude, label))
    return ranges


def from_pre_receive(lines: Sequence[str], cwd: str | None = None) -> list[Range]:
    """A bare repository's pre-receive stdin: `<old sha> <new sha> <ref>` per line."""
    ranges = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise UsageError(
                f"unexpected pre-receive input line: {safe(line)!r}", "run this from pre-receive"
            )
        old, new, ref = parts
        if _is_zero(new):
            continue  # ref deletion
        if _is_zero(old):
            # New ref: the refs are not updated yet, so --all is what the server had.
            ranges.append(Range(new, ("--not", "--all"), f"{ref} (new)"))
        else:
            ranges.append(Range(new, (f"^{old}",), f"{ref} {old[:12]}..{new[:12]}"))
    return ranges


def iter_added_findings(
    scanner: Scanner,
    ranges: Sequence[Range],
    max_size: int,
    stats: Stats,
    cwd: str | None = None,
    patch_only: bool = False,
) -> Iterator[tuple[gitio.Commit, Finding]]:
    """(commit, finding) for every finding on lines a commit adds, newest commit first.

    Each commit is read once even when ranges overlap. By default each changed
    blob is scanned whole, once (blobs recur across commits and paths), so a key
    pair split across an old and a new line is still seen. `patch_only` scans
    just the lines each commit adds, as they come in the patch: a whole history
    is several times less data, and no blob is read, except where the patch
    cannot stand in for the file (binary or UTF-16 content, an unmapped merge).
    """
    shallow = gitio.shallow_commits(cwd)
    seen_commits: set[str] = set()
    scanned_blobs: dict[str, BlobScan] = {}
    reader = gitio.BlobReader(max_size, cwd)
    try:
        for rng in ranges:
            for commit in gitio.iter_commits(rng.revs, cwd, keep_text=patch_only, commits=rng.commits):
                if commit.sha in seen_commits:
                    continue
                seen_commits.add(commit.sha)
                if commit.sha in shallow:
                    raise UsageError(
                        f"this clone is too shallow to scan {rng.label}: the parents of {commit.sha[:12]} "
                        "were not fetched, so what it adds cannot be told apart from what it inherits",
                        "fetch full history (git fetch --unshallow; in CI: fetch-depth: 0) and run again",
                    )
                stats.commits += 1
                for change in commit.changes:
                    if not change.scannable:
                        continue
                    display = os.fsdecode(change.path)
                    if patch_only and _patch_stands_in(change):
                        yield from ((commit, f) for f in _scan_patch(scanner, change, display, commit, stats))
                        continue
                    # Large blobs are streamed, one over max_size blocks, next-line markers are checked.
                    for f in added_findings(scanner, reader, scanned_blobs, change, display, stats):
                        # The same blob can sit under another name: report this path.
                        yield commit, replace(f, path=display, commit=commit.sha)
    finally:
        reader.close()


def _patch_stands_in(change: gitio.Change) -> bool:
    if change.all_added:
        return False
    return not any(b"\0" in text for _, _, text in change.added_blocks)


def _scan_patch(
    scanner: Scanner, change: gitio.Change, display: str, commit: gitio.Commit, stats: Stats
) -> list[Finding]:
    """Scan the added lines of one change as one text, and map lines back to the file's."""
    if not change.added_blocks:
        return []
    text = b"\n".join(t for _, _, t in change.added_blocks)
    # starts[k]: the line of the joined text where block k begins, 1-based.
    starts, at = [], 1
    for _, count, _ in change.added_blocks:
        starts.append(at)
        at += count
    last = at - 1
    # Joined, a block's last line sits above the next block's first: a next-line marker there
    # covers it only when the two lines touch in the file too.
    apart = {
        starts[k + 1] - 1
        for k in range(len(starts) - 1)
        if change.added_blocks[k + 1][0] != change.added_blocks[k][0] + change.added_blocks[k][1]
    }
    text = policy.disarm_next_line_markers(text, apart)

    def file_line(n: int) -> int:
        k = bisect_right(starts, min(n, last)) - 1
        return change.added_blocks[k][0] + min(n, last) - starts[k]

    result = scan_counted(scanner, text, display, stats)
    return [
        replace(f, path=display, line=file_line(f.line), end_line=file_line(f.end_line), commit=commit.sha)
        for f in result.findings
    ]


def scan_ranges(
    scanner: Scanner, ranges: Sequence[Range], max_size: int, stats: Stats, cwd: str | None = None
) -> list[Finding]:
    """Findings in the ranges, each secret reported at the oldest commit that added it to a path."""
    oldest: dict[tuple[str, str, bytes], tuple[int, Finding]] = {}
    for commit, f in iter_added_findings(scanner, ranges, max_size, stats, cwd):
        key = (f.rule_id, f.path, f.secret)
        if key not in oldest or commit.time <= oldest[key][0]:
            oldest[key] = (commit.time, f)
    return [f for _, f in sorted(oldest.values(), key=lambda tf: (tf[0], tf[1].path, tf[1].line))]


def run(
    *,
    from_ref: str | None = None,
    to_ref: str | None = None,
    pre_push: tuple[str, str] | None = None,
    pre_receive: bool = False,
    stdin: TextIO | None = None,
    fmt: str = "text",
    verbose: bool = False,
    config_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    err = err or sys.stderr
    stdin = stdin or sys.stdin
    if pre_receive:
        # Server side: the pusher controls the repository's .credgate.toml, so it is not read.
        cfg = config_mod.Config() if not config_path else config_mod.find(".", config_path)
        ranges = from_pre_receive(stdin.read().splitlines())
    else:
        top = gitio.toplevel()
        cfg = config_mod.find(top, config_path)
        if pre_push is not None:
            ranges = from_pre_push(stdin.read().splitlines(), pre_push[0])
        else:
            to_ref = to_ref or os.environ.get("PRE_COMMIT_TO_REF")
            from_ref = from_ref or os.environ.get("PRE_COMMIT_FROM_REF")
            if not to_ref and not from_ref:
                # pre-commit pushing a branch whose whole history is new sets no refs,
                # only the branch: everything on no remote-tracking branch is new.
                to_ref = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
            if not to_ref:
                raise UsageError(
                    "no range to scan",
                    "give --from-ref A --to-ref B, or --pre-push / --pre-receive from those hooks",
                )
            ranges = [from_refs(from_ref, to_ref)]
    if not ranges:
        if verbose:
            print("credgate: nothing to scan: the push only deletes refs", file=err)
        return CLEAN
    scanner = build_scanner(cfg)
    stats = Stats()
    try:
        findings = scan_ranges(scanner, ranges, cfg.max_file_size, stats)
    except gitio.GitCommandError as exc:
        raise InternalError(
            f"could not read the commits of {', '.join(r.label for r in ranges)}: {exc.message}",
            "the range may reference missing objects (a partial or shallow clone): fetch them and run again",
        ) from None
    base = ranges[0].exclude[0][1:] if ranges[0].exclude and ranges[0].exclude[0].startswith("^") else ""
    scope = "commits " + ("being pushed" if pre_push or pre_receive else "in " + ranges[0].label)
    findings = [f for f in findings if not cfg.is_excluded(f.path)]
    report = Report(scope, findings, stats, kind="range", max_size=cfg.max_file_size, base=base)
    return emit(apply_baseline(report, cfg), fmt, verbose, out, err)


@click.command("scan-range")
@click.option("--from-ref", help="Start of the range (exclusive). Default: $PRE_COMMIT_FROM_REF.")
@click.option("--to-ref", help="End of the range (inclusive). Default: $PRE_COMMIT_TO_REF.")
@click.option(
    "--pre-push",
    "pre_push",
    nargs=2,
    metavar="REMOTE URL",
    help="Read git's pre-push hook input from stdin (pass the hook's two arguments).",
)
@click.option("--pre-receive", is_flag=True, help="Read a bare repository's pre-receive input from stdin.")
@scan_options
@click.pass_context
def command(
    ctx: click.Context,
    from_ref: str | None,
    to_ref: str | None,
    pre_push: tuple[str, str] | None,
    pre_receive: bool,
    fmt: str,
    verbose: bool,
    config_path: str | None,
) -> None:
    """Scan every commit in a range, push or receive for secrets it adds."""
    ctx.exit(
        run(
            from_ref=from_ref,
            to_ref=to_ref,
            pre_push=pre_push or None,
            pre_receive=pre_receive,
            fmt=fmt,
            verbose=verbose,
            config_path=config_path,
        )
    )
