"""Hook `credgate-range` / `credgate scan-range`: every commit in a push or range.

Each commit is judged on what it adds, so a secret added and removed inside the
range still blocks, and merges are judged on what the merge itself introduces.
Commit messages are scanned too, and each tip is peeled: an annotated tag's
message, or a blob or tree a tag points at, is published as much as a commit.
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
from credgate import gitio, policy, progress
from credgate.commands import _range_files, _trusted
from credgate.commands._common import (
    STREAM_ABOVE,
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


def _tracking_shas(remote: str, cwd: str | None) -> set[str]:
    """What the remote's own remote-tracking refs point at (only that remote's: a ref under
    refs/remotes/<other>/, forged or a fork's, says nothing about what this remote has)."""
    return {sha for _, sha in gitio.refs_matching(gitio.remote_tracking_patterns(remote, cwd), cwd)}


def from_refs(from_ref: str | None, to_ref: str, cwd: str | None = None, remote: str | None = None) -> Range:
    _need_commit(to_ref, "--to-ref", cwd)
    if not from_ref or _is_zero(from_ref):
        if remote:
            # pre-commit pushing a new branch: exclude what the destination remote has, and nothing else.
            exclude = tuple(f"^{sha}" for sha in sorted(_tracking_shas(remote, cwd)))
            return Range(to_ref, exclude, f"{to_ref} (commits {safe(remote)} does not have)")
        return Range(to_ref, ("--not", "--remotes"), f"{to_ref} (commits on no remote-tracking branch)")
    _need_commit(from_ref, "--from-ref", cwd)
    return Range(to_ref, (f"^{from_ref}",), f"{from_ref}..{to_ref}")


def push_remote(branch: str | None, cwd: str | None = None) -> str | None:
    """The remote `git push` would send branch to: branch.<b>.pushRemote, remote.pushDefault,
    branch.<b>.remote, else the only remote or `origin`; None when there is no remote at all."""
    names = gitio.remote_names(cwd)
    if not names:
        return None
    keys = [f"branch.{branch}.pushRemote", "remote.pushDefault", f"branch.{branch}.remote"] if branch else []
    for key in keys + ([] if branch else ["remote.pushDefault"]):
        value = gitio.config_value(key, cwd)
        if value and value in names:
            return value
    if len(names) == 1:
        return names[0]
    return "origin" if "origin" in names else None


def unpushed(cwd: str | None = None, err: TextIO | None = None) -> Range:
    """The commits of HEAD that are not pushed yet: not on its upstream, and on no remote-tracking
    ref of the remote it would push to.

    Fail-closed: with no remote (or a remote never fetched from), nothing is known to be
    published, so the whole of HEAD's history is scanned, and a line on stderr says so.
    """
    err = err or sys.stderr
    head = gitio.resolve_commit("HEAD", cwd)
    if head is None:
        raise UsageError(
            "no range to scan: this repository has no commit yet", "commit first, or give --from-ref/--to-ref"
        )
    ref = gitio.symbolic_ref("HEAD", cwd)
    branch = ref[len("refs/heads/") :] if ref and ref.startswith("refs/heads/") else None
    name = branch or f"HEAD ({head[:12]})"
    exclude: dict[str, str] = {}  # commit -> what it is, for the label
    upstream = gitio.upstream_commit(branch, cwd) if branch else None
    if upstream is not None and not upstream[0].startswith("refs/remotes/"):
        upstream = None  # a local branch as upstream (`branch.<b>.remote = .`) says nothing is pushed
    if upstream is not None:
        exclude[upstream[1]] = upstream[0]
    remote = push_remote(branch, cwd)
    tracking = gitio.refs_matching(gitio.remote_tracking_patterns(remote, cwd), cwd) if remote else []
    for tracking_ref, sha in tracking:
        exclude.setdefault(sha, tracking_ref)
    if not exclude:
        why = (
            "no remote is configured" if remote is None and not gitio.remote_names(cwd)
            else f"{remote} has no remote-tracking refs here (fetch it to skip what it has)" if remote
            else "no remote is configured for it (several remotes, none named origin or set as pushRemote)"
        )  # fmt: skip
        print(
            f"credgate: {why}, so nothing of {safe(name)} is known to be pushed: scanning all of it", file=err
        )
        return Range(head, (), f"{name} (all of it: nothing is known to be pushed)")
    # Non-empty exclude: tracking refs come only with a remote, so without one there is an upstream.
    where = (
        f"commits {safe(remote)} does not have"
        if remote
        else f"not on {safe(upstream[0] if upstream else '')}"
    )
    return Range(head, tuple(f"^{sha}" for sha in sorted(exclude)), f"{name} ({where}: not pushed yet)")


def from_pre_push(lines: Sequence[str], remote: str, cwd: str | None = None) -> list[Range]:
    """git's pre-push stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line.

    Only what the destination already has is excluded: the remote shas git reports for it,
    and its own remote-tracking refs. A branch first pushed to a fork or a mirror is new to
    this remote, so it is scanned again.
    """
    parsed = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise UsageError(
                f"unexpected pre-push input line: {safe(line)!r}", "run this from git's pre-push hook"
            )
        parsed.append(parts)
    known = {p[3] for p in parsed if not _is_zero(p[3]) and gitio.commit_exists(p[3], cwd)}
    exclude = tuple(f"^{sha}" for sha in sorted(known | _tracking_shas(remote, cwd)))
    ranges = []
    for local_ref, local_sha, remote_ref, remote_sha in parsed:
        if _is_zero(local_sha):
            continue  # deleting a remote branch adds nothing
        if remote_sha in known:
            label = f"{local_ref} -> {remote}/{remote_ref}"
        else:
            # A new branch, or a force-push over commits this clone never fetched.
            label = f"{local_ref} -> {remote}/{remote_ref} (new to the remote)"
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


def receive_bases(lines: Sequence[str], cwd: str | None = None) -> dict[str, tuple[str | None, str | None]]:
    """For each pushed tip (as given, and peeled to its commit): the revision whose config, rules and
    baseline judge it (the ref's old value; for a new ref, the default branch the server's HEAD names),
    and the revision its edits to those files are compared with. (None, None): nothing to trust, so the
    built-in defaults apply (the push that creates the repository's first branch)."""
    default = gitio.resolve_commit("HEAD", cwd)
    bases: dict[str, tuple[str | None, str | None]] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or _is_zero(parts[1]):
            continue
        old, new, _ = parts
        gate = (gitio.resolve_commit(old, cwd) if not _is_zero(old) else None) or default
        peeled = gitio.resolve_commit(new, cwd)
        if gate is None:
            pair: tuple[str | None, str | None] = (None, None)
        else:
            pair = (gate, (gitio.merge_base(gate, peeled, cwd) if peeled else None) or gate)
        for tip in {new, peeled or new}:
            bases.setdefault(tip, pair)
    return bases


def gate_for(
    bases: dict[str, tuple[str | None, str | None]], tip: str, cwd: str | None = None
) -> tuple[str | None, str | None]:
    """The pair receive_bases gave a range's tip; a tip it does not know is judged by the default branch."""
    if tip in bases:
        return bases[tip]
    default = gitio.resolve_commit("HEAD", cwd)
    return (default, default) if default else (None, None)


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
    # Keyed by (blob, path), never by blob alone: whether a match blocks depends on the path
    # (example and test names, dotenv rules, notebooks, rules scoped to some files), and the
    # same content can sit under an example name and under a real one in one push.
    scanned_blobs: dict[tuple[str, bytes], BlobScan] = {}
    blocked_before: dict[tuple[str, bytes], set[tuple[str, bytes]]] = {}  # (blob, old path)
    reader = gitio.BlobReader(max_size, cwd)
    try:
        for rng in ranges:
            commits = gitio.iter_commits(
                rng.revs, cwd, keep_text=patch_only, commits=rng.commits, large_above=STREAM_ABOVE
            )
            for commit in commits:
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
                yield from ((commit, f) for f in _scan_message(scanner, reader, commit.sha, stats))
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


def _scan_message(scanner: Scanner, reader: gitio.BlobReader, sha: str, stats: Stats) -> list[Finding]:
    """A commit message is published with its commit: every line of it is new."""
    obj = reader.read(sha)
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


def _tip_name(rng: Range) -> str:
    """The ref a tip is pushed or received as, for display: the first full ref name in the label."""
    return next((word for word in rng.label.split() if word.startswith("refs/")), rng.tip)


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
    for when, f in scan_tips(scanner, [(r.tip, _tip_name(r)) for r in ranges], max_size, stats, cwd):
        oldest.setdefault((f.rule_id, f.path, f.secret), (when, f))
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
    # Each job: the config that judges some ranges, the baseline it accepts, and what the ranges'
    # edits to the gate's own files are compared with.
    jobs: list[tuple[_trusted.GateState, list[Range], list[str | None]]] = []
    if pre_receive:
        lines = stdin.read().splitlines()
        ranges = from_pre_receive(lines)
        if config_path:
            # The server's own config (outside the pushed repository): the push cannot edit it.
            cfg = config_mod.find(".", config_path)
            jobs.append((_disk_state(cfg), ranges, [None] * len(ranges)))
        else:
            # The pusher controls the pushed .credgate.toml: judge each ref by its base revision's.
            by_gate: dict[str | None, tuple[_trusted.GateState, list[Range], list[str | None]]] = {}
            bases = receive_bases(lines)
            for rng in ranges:
                gate, compare = gate_for(bases, rng.tip)
                if gate not in by_gate:
                    by_gate[gate] = (_trusted.read_state(gate), [], [])
                by_gate[gate][1].append(rng)
                by_gate[gate][2].append(compare)
            jobs.extend(by_gate.values())
    else:
        try:
            cfg = config_mod.find(gitio.toplevel(), config_path)
        except UsageError:
            # A bare or mirror clone has commits but no index: ranges need no index, so they work there.
            if gitio.layout().work_tree is not None:
                raise
            cfg = config_mod.Config() if not config_path else config_mod.find(".", config_path)
        if pre_push is not None:
            ranges = from_pre_push(stdin.read().splitlines(), pre_push[0])
        else:
            to_ref = to_ref or os.environ.get("PRE_COMMIT_TO_REF")
            from_ref = from_ref or os.environ.get("PRE_COMMIT_FROM_REF")
            if not to_ref and not from_ref:
                # pre-commit pushing a branch whose whole history is new sets no refs,
                # only the branch: everything the destination remote does not have is new.
                to_ref = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
            if not to_ref and not from_ref:
                # `credgate scan-range` alone, or pre-commit's manual stage (which sets no refs):
                # what this branch has not pushed yet.
                ranges = [unpushed(err=err)]
            elif not to_ref:
                raise UsageError(
                    "no range to scan: --from-ref without --to-ref",
                    "give --to-ref too (e.g. --to-ref HEAD), or neither to scan what is not pushed yet",
                )
            else:
                remote = os.environ.get("PRE_COMMIT_REMOTE_NAME") or None
                ranges = [from_refs(from_ref, to_ref, remote=remote)]
        jobs.append((_disk_state(cfg), ranges, [None] * len(ranges)))
    all_ranges = [r for _, rs, _ in jobs for r in rs]
    if not all_ranges:
        print("credgate: scanned 0 commits: the push only deletes refs", file=err)
        return CLEAN
    # A bar on a terminal for a long range (not piped, not in a quick hook run); the loop below
    # counts commits into stats, which moves it.
    bar = progress.Bar("scanning commits", "commits", err, total=lambda: _count(all_ranges))
    stats = progress.counting_stats(bar, "commits") if bar.enabled else Stats()
    findings: list[Finding] = []
    notes: list[str] = []
    accepted: list[Finding] = []
    for state, ranges, compares in jobs:
        scanner = _trusted.scanner_for(state) if state.rev is not None else build_scanner(state.cfg)
        try:
            found = scan_ranges(scanner, ranges, state.cfg.max_file_size, stats)
            # `--no-verify` skips the files hook: a commit that writes .env.production or id_rsa blocks here.
            named = _range_files.added_credential_files([(r.revs, r.commits) for r in ranges], state.cfg)
            tips = [(r.tip, _tip_name(r)) for r in ranges]
            named += _range_files.tree_tip_credential_files(tips, state.cfg)
        except gitio.GitCommandError as exc:
            raise InternalError(
                f"could not read the commits of {', '.join(r.label for r in ranges)}: {exc.message}",
                "the range may reference missing objects (a partial or shallow clone): "
                "fetch them and run again",
            ) from None
        kept = []
        for f in found:
            if state.cfg.is_excluded(f.path):
                stats.excluded += 1
            else:
                kept.append(f)
        part = Report("", kept, stats)
        tip = ranges[0].tip
        if state.rev is not None:
            part = _trusted.apply_baseline(part, state, tip)
        elif state.cfg.baseline and not pre_receive:
            part = _range_baseline(part, state.cfg, scanner, _base_of(ranges[0]), tip)
        else:
            part = apply_baseline(part, state.cfg, tip=tip)  # allow-large too, with or without a baseline
        notes.extend(part.notes)
        accepted.extend(part.accepted)
        findings.extend(part.findings)
        # As the files gate judges them: protect/unprotect decide. A file whose content the baseline
        # accepted here was reviewed with that content, so it is not reported again by its name.
        reviewed = {f.path for f in part.accepted}
        findings.extend(f for f in named if f.path not in reviewed)
        seen: set[tuple[str, str]] = set()
        for rng, compare in zip(ranges, compares):
            if compare is None:
                continue
            old = _trusted.start_state(compare, state)
            for f in _trusted.change_findings(old, state.cfg, rng.tip, compare):
                if (f.path, f.rule_name) not in seen:
                    seen.add((f.path, f.rule_name))
                    findings.append(f)
    bar.close()
    first = all_ranges[0]
    base = _base_of(first)
    scope = "commits " + ("being pushed" if pre_push or pre_receive else "in " + first.label)
    max_size = jobs[0][0].cfg.max_file_size
    report = Report(scope, findings, stats, kind="range", max_size=max_size, base=base)
    report.notes.extend(notes)
    report.accepted.extend(accepted)
    return emit(report, fmt, verbose, out, err)


def _count(ranges: Sequence[Range]) -> int | None:
    """How many commits the ranges hold (the bar's total), or None when git cannot say cheaply."""
    try:
        return len({sha for r in ranges for sha in (r.commits or gitio.rev_list(r.revs))})
    except gitio.GitCommandError:
        return None


def _base_of(rng: Range) -> str:
    return rng.exclude[0][1:] if rng.exclude and rng.exclude[0].startswith("^") else ""


def _disk_state(cfg: config_mod.Config) -> _trusted.GateState:
    """The config as found on disk (a developer's own clone, or a server's file); its baseline is
    cfg.baseline, a path."""
    return _trusted.GateState(None, config_mod.CONFIG_NAME, None, cfg, None, None)


def _range_baseline(report: Report, cfg: config_mod.Config, scanner: Scanner, base: str, tip: str) -> Report:
    """Apply the baseline, following renames up to the range's tip; entries the baseline gained
    since the base are checked against the tip's tree and reported when their value is not there."""
    from credgate import baseline as baseline_mod

    top = gitio.toplevel()
    loaded = baseline_mod.load(cfg.baseline or "")
    rel = os.path.relpath(cfg.baseline or "", top).replace(os.sep, "/")
    verify = None
    if not rel.startswith(".."):
        before = gitio.blob_text(base, rel, cfg.max_file_size, cwd=top) if base else None
        try:
            old = (
                baseline_mod.load_text(before, f"{base[:12]}:{rel}").entries if before is not None else set()
            )
        except UsageError:
            old = set()
        bad = baseline_mod.unverified(
            loaded.entries - old,
            lambda p: gitio.blob_text(tip, p, cfg.max_file_size, cwd=top),
            lambda data, p: scanner.scan(data, p).findings,
        )
        report.notes.extend(baseline_mod.unverified_message(e, rel, f"at {tip[:12]}") for e in bad)
        if old:
            verify = baseline_mod.committed_before(old, base, top, cfg.max_file_size)
    return apply_baseline(report, cfg, root=top, tip=tip, loaded=loaded, verify=verify)


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
