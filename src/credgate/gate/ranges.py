"""Walking a range: what each commit adds, judged per (blob, path), plus what pushed tips publish.

Each commit is judged on what it adds, so a secret added and removed inside the range
still blocks, and merges are judged on what the merge itself introduces. Commit messages
are scanned too, and each tip is peeled: an annotated tag's message, or a blob or tree a
tag points at, is published as much as a commit. Large blobs are streamed; the counts go
into the caller's `Stats` (the summary line's commits, files and bytes).
"""

from __future__ import annotations

import os
from bisect import bisect_right
from dataclasses import replace
from itertools import chain
from typing import Iterable, Iterator, Sequence

from credgate import gitio, policy
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import InternalError, UsageError
from credgate.gate.range_refs import Range, tip_name
from credgate.gate.report import Stats
from credgate.gate.scanning import STREAM_ABOVE, BlobScan, added_findings, scan_counted


def iter_added_findings(
    scanner: Scanner,
    ranges: Sequence[Range],
    max_size: int,
    stats: Stats,
    cwd: str | None = None,
    patch_only: bool = False,
    large: gitio.LargeAdds | None = None,
) -> Iterator[tuple[gitio.Commit, Finding]]:
    """(commit, finding) for every finding on lines a commit adds, newest commit first.

    Each commit is read once even when ranges overlap. By default each changed
    blob is scanned whole, once (blobs recur across commits and paths), so a key
    pair split across an old and a new line is still seen. `patch_only` scans
    just the lines each commit adds, as they come in the patch: a whole history
    is several times less data, and no blob is read, except where the patch
    cannot stand in for the file (binary or UTF-16 content, an unmapped merge).
    `large` (gitio.large_additions) saves finding the large blobs again when the caller knows them.
    """
    shallow = gitio.shallow_commits(cwd)
    seen_commits: set[str] = set()
    # Keyed by (blob, path), never by blob alone: whether a match blocks depends on the path
    # (example and test names, dotenv rules, notebooks, rules scoped to some files), and the
    # same content can sit under an example name and under a real one in one push.
    scanned_blobs: dict[tuple[str, bytes], BlobScan] = {}
    blocked_before: dict[tuple[str, bytes], set[tuple[str, bytes]]] = {}  # (blob, old path)
    reader = gitio.BlobReader(max_size, cwd)
    try:
        for rng in ranges:
            commits = gitio.iter_commits(
                rng.revs,
                cwd,
                keep_text=patch_only,
                commits=rng.commits,
                large_above=STREAM_ABOVE,
                large=large,
            )
            for commit, message in _with_messages(commits, reader, seen_commits):
                if commit.sha in shallow:
                    raise UsageError(
                        f"this clone is too shallow to scan {rng.label}: the parents of {commit.sha[:12]} "
                        "were not fetched, so what it adds cannot be told apart from what it inherits",
                        "fetch full history (git fetch --unshallow; in CI: fetch-depth: 0) and run again",
                    )
                stats.commits += 1
                yield from ((commit, f) for f in _scan_message(scanner, message, commit.sha, stats))
                for change in commit.changes:
                    if not change.scannable:
                        continue
                    display = os.fsdecode(change.path)
                    # A rename or copy puts old lines under a new name, which can judge them differently
                    # (`git mv tests/fixtures/server.key deploy/`): such a change is judged whole.
                    moved = change.old_path is not None and change.old_path != change.path
                    if patch_only and not moved and _patch_stands_in(change):
                        yield from ((commit, f) for f in _scan_patch(scanner, change, display, commit, stats))
                        continue
                    was_blocking: set[tuple[str, bytes]] | None = None
                    if moved:
                        was_blocking = _blocking_under(scanner, reader, change, blocked_before)

                    def new_under_this_name(
                        f: Finding, before: set[tuple[str, bytes]] | None = was_blocking
                    ) -> bool:
                        return before is not None and f.blocking and (f.rule_id, f.secret) not in before

                    # Large blobs are streamed, one over max_size blocks, next-line markers are checked.
                    for f in added_findings(
                        scanner, reader, scanned_blobs, change, display, stats, also=new_under_this_name
                    ):
                        yield commit, replace(f, path=display, commit=commit.sha)
    finally:
        reader.close()


def _with_messages(
    commits: Iterable[gitio.Commit], reader: gitio.BlobReader, seen: set[str], window: int = 128
) -> Iterator[tuple[gitio.Commit, gitio.Blob]]:
    """Each commit not seen before, with its raw object (for the message), read a window of commits
    at a time: one round trip to git per window, not per commit."""
    batch: list[gitio.Commit] = []
    for commit in chain(commits, [None]):
        if commit is not None:
            if commit.sha in seen:
                continue
            seen.add(commit.sha)
            batch.append(commit)
        if batch and (commit is None or len(batch) >= window):
            yield from zip(batch, reader.read_many([c.sha for c in batch]))
            batch = []


def _blocking_under(
    scanner: Scanner,
    reader: gitio.BlobReader,
    change: gitio.Change,
    cache: dict[tuple[str, bytes], set[tuple[str, bytes]]],
) -> set[tuple[str, bytes]]:
    """(rule, secret) of what blocks in a renamed or copied file's content under its old name."""
    old_path = change.old_path or b""
    key = (change.new_sha, old_path)
    if key not in cache:
        data = reader.read(change.new_sha).data or b""
        cache[key] = {
            (f.rule_id, f.secret) for f in scanner.scan(data, os.fsdecode(old_path)).findings if f.blocking
        }
    return cache[key]


def message_path(sha: str) -> str:
    """The pseudo-path a commit message's findings are reported under."""
    return f"{sha} (commit message)"


def in_message(f: Finding) -> bool:
    """Whether a finding is in a commit's or a tag's message rather than in a file."""
    return f.path.endswith(" (commit message)") or " (message of tag " in f.path


def _scan_text(
    scanner: Scanner, text: bytes, scan_as: str, display: str, commit: str, stats: Stats
) -> list[Finding]:
    """Scan text that is no file (a message, a pushed blob) under a neutral name, report it under display.

    Its findings are not counted as files; a name the pusher picks (a tag's) never
    decides how strictly it is judged.
    """
    result = scanner.scan(text, scan_as)
    stats.suppressed += len(result.suppressed)
    return [replace(f, path=display, commit=commit) for f in result.findings]


def _scan_message(scanner: Scanner, obj: gitio.Blob, sha: str, stats: Stats) -> list[Finding]:
    """A commit message is published with its commit: every line of it is new."""
    if obj.data is None:
        stats.too_large.append((message_path(sha), obj.size))
        return []
    message = gitio.object_message(obj.data)
    if not message:
        return []
    return _scan_text(scanner, message, "COMMIT_EDITMSG", message_path(sha), sha, stats)


def scan_tips(
    scanner: Scanner, tips: Sequence[tuple[str, str]], max_size: int, stats: Stats, cwd: str | None = None
) -> list[tuple[int, Finding]]:
    """(date, finding) for what pushed or listed tips publish besides commits.

    Each tip is peeled: an annotated tag's message is scanned (a tag of a tag too),
    and a tag or ref that ends at a blob or a tree is scanned whole: git log sees
    no commit there, and the server would serve it. A commit tip is left to the
    commit scan. `tips` are (object name, what to call it: a ref name).
    """
    found: list[tuple[int, Finding]] = []
    reader = gitio.BlobReader(max_size, cwd)
    seen: set[str] = set()
    try:
        for tip, name in tips:
            obj, when = reader.read(tip), 0
            while obj.sha not in seen:  # a chain of tags ends at a commit, a tree or a blob
                seen.add(obj.sha)
                if obj.kind == "tag":
                    target, date = _scan_tag(scanner, obj, name, stats, found, cwd)
                    when = when or date  # the outermost tag's date: when it was published
                    obj = reader.read(target)
                elif obj.kind == "blob":
                    found += [(when, f) for f in _scan_blob_tip(scanner, obj, name, stats)]
                elif obj.kind == "tree":
                    found += [(when, f) for f in _scan_tree(scanner, reader, obj.sha, name, stats, cwd)]
    finally:
        reader.close()
    return found


def _scan_blob_tip(scanner: Scanner, obj: gitio.Blob, name: str, stats: Stats) -> list[Finding]:
    """A blob a ref points at has no path: it is judged under its id, never under a name the pusher picks."""
    display = f"{obj.sha} (blob at {name})"
    if obj.data is None:
        stats.too_large.append((display, obj.size))
        return []
    stats.files += 1
    stats.bytes += obj.size
    return _scan_text(scanner, obj.data, obj.sha, display, "", stats)


def _scan_tag(
    scanner: Scanner,
    obj: gitio.Blob,
    name: str,
    stats: Stats,
    found: list[tuple[int, Finding]],
    cwd: str | None = None,
) -> tuple[str, int]:
    """Scan one annotated tag's message (a signature too: it is published); return its target and date."""
    if obj.data is None:
        stats.too_large.append((f"{obj.sha} (tag message)", obj.size))
        peeled = gitio.run("rev-parse", "--verify", f"{obj.sha}^{{}}", cwd=cwd).strip().decode("ascii")
        return peeled, 0
    target = gitio.object_header(obj.data, b"object")
    if target is None:
        raise InternalError(f"tag {obj.sha} names no object; run `git fsck`")
    tag_name = (gitio.object_header(obj.data, b"tag") or name.encode()).decode("utf-8", "replace")
    stamp = (gitio.object_header(obj.data, b"tagger") or b"").rsplit(b" ", 2)
    date = int(stamp[1]) if len(stamp) == 3 and stamp[1].isdigit() else 0
    display = f"{obj.sha} (message of tag {tag_name})"
    message = gitio.object_message(obj.data)
    found += [(date, f) for f in _scan_text(scanner, message, "TAG_EDITMSG", display, "", stats)]
    return target.decode("ascii"), date


def _scan_tree(
    scanner: Scanner, reader: gitio.BlobReader, tree: str, name: str, stats: Stats, cwd: str | None
) -> list[Finding]:
    """Every file of a tree pushed as a tip, judged at its path in that tree."""
    found: list[Finding] = []
    note = f"in tree {tree[:12]} pushed as {name}"
    for _mode, blob_sha, path in gitio.tree_blobs(tree, cwd):
        display = os.fsdecode(path)
        blob = reader.read(blob_sha)
        if blob.data is None:
            stats.too_large.append((f"{tree[:12]}:{display}", blob.size))
            continue
        result = scan_counted(scanner, blob.data, display, stats)
        found += [replace(f, note=f"{f.note}; {note}" if f.note else note) for f in result.findings]
    return found


def _patch_stands_in(change: gitio.Change) -> bool:
    if change.all_added or change.lines_only:
        return False  # a large file's patch was not kept: its blob is streamed instead
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
    # Tags of blobs and trees, and annotated tags' messages: what a pushed tip publishes besides commits.
    for when, f in scan_tips(scanner, [(r.tip, tip_name(r)) for r in ranges], max_size, stats, cwd):
        oldest.setdefault((f.rule_id, f.path, f.secret), (when, f))
    return [f for _, f in sorted(oldest.values(), key=lambda tf: (tf[0], tf[1].path, tf[1].line))]
