"""Which commits a range, a push or a receive means.

Ranges come from `--from-ref/--to-ref`, from pre-commit's PRE_COMMIT_FROM_REF /
PRE_COMMIT_TO_REF, from git's pre-push stdin or from a bare repository's pre-receive
stdin; without any of them, from what the current branch has not pushed yet. A range
that cannot be resolved is an error, never a pass. Labels and messages hold names as
git gives them: the output escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from credgate import gitio
from credgate.errors import UsageError


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


def is_zero(sha: str) -> bool:
    return bool(sha) and set(sha) == {"0"}


def _need_commit(rev: str, what: str, cwd: str | None) -> None:
    if not gitio.commit_exists(rev, cwd):
        raise UsageError(
            f"{what} {rev} is not a commit in this repository",
            "fetch it first (git fetch), or check the ref name",
        )


def _tracking_shas(remote: str, cwd: str | None) -> set[str]:
    """What the remote's own remote-tracking refs point at (only that remote's: a ref under
    refs/remotes/<other>/, forged or a fork's, says nothing about what this remote has)."""
    return {sha for _, sha in gitio.refs_matching(gitio.remote_tracking_patterns(remote, cwd), cwd)}


def from_refs(from_ref: str | None, to_ref: str, cwd: str | None = None, remote: str | None = None) -> Range:
    _need_commit(to_ref, "--to-ref", cwd)
    if not from_ref or is_zero(from_ref):
        if remote:
            # pre-commit pushing a new branch: exclude what the destination remote has, and nothing else.
            exclude = tuple(f"^{sha}" for sha in sorted(_tracking_shas(remote, cwd)))
            return Range(to_ref, exclude, f"{to_ref} (commits {remote} does not have)")
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


@dataclass(frozen=True)
class Unpushed:
    """What HEAD has not pushed yet; `unknown` says why nothing is known to be pushed (then the
    range is all of HEAD's history, and the user is told), `name` is the branch or HEAD's commit."""

    rng: Range
    name: str
    unknown: str | None = None


def unpushed(cwd: str | None = None) -> Unpushed:
    """The commits of HEAD that are not pushed yet: not on its upstream, and on no remote-tracking
    ref of the remote it would push to.

    Fail-closed: with no remote (or a remote never fetched from), nothing is known to be
    published, so the whole of HEAD's history is scanned, and `unknown` says why.
    """
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
        return Unpushed(Range(head, (), f"{name} (all of it: nothing is known to be pushed)"), name, why)
    # Non-empty exclude: tracking refs come only with a remote, so without one there is an upstream.
    where = f"commits {remote} does not have" if remote else f"not on {upstream[0] if upstream else ''}"
    label = f"{name} ({where}: not pushed yet)"
    return Unpushed(Range(head, tuple(f"^{sha}" for sha in sorted(exclude)), label), name)


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
            raise UsageError(f"unexpected pre-push input line: {line!r}", "run this from git's pre-push hook")
        parsed.append(parts)
    known = {p[3] for p in parsed if not is_zero(p[3]) and gitio.commit_exists(p[3], cwd)}
    exclude = tuple(f"^{sha}" for sha in sorted(known | _tracking_shas(remote, cwd)))
    ranges = []
    for local_ref, local_sha, remote_ref, remote_sha in parsed:
        if is_zero(local_sha):
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
            raise UsageError(f"unexpected pre-receive input line: {line!r}", "run this from pre-receive")
        old, new, ref = parts
        if is_zero(new):
            continue  # ref deletion
        if is_zero(old):
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
        if len(parts) != 3 or is_zero(parts[1]):
            continue
        old, new, _ = parts
        gate = (gitio.resolve_commit(old, cwd) if not is_zero(old) else None) or default
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


def tip_name(rng: Range) -> str:
    """The ref a tip is pushed or received as, for display: the first full ref name in the label."""
    return next((word for word in rng.label.split() if word.startswith("refs/")), rng.tip)


def count_commits(ranges: Sequence[Range]) -> int | None:
    """How many commits the ranges hold (the bar's total), or None when git cannot say cheaply."""
    try:
        return len({sha for r in ranges for sha in (r.commits or gitio.rev_list(r.revs))})
    except gitio.GitCommandError:
        return None


def base_of(rng: Range) -> str:
    """The commit a range starts from (its first `^exclude`), or "" when it has none."""
    return rng.exclude[0][1:] if rng.exclude and rng.exclude[0].startswith("^") else ""


def requested(from_ref: str | None, to_ref: str | None, env: Mapping[str, str]) -> Range | Unpushed:
    """The range `scan-range` is asked about: --from-ref/--to-ref, else pre-commit's variables,
    else what HEAD has not pushed yet."""
    to_ref = to_ref or env.get("PRE_COMMIT_TO_REF")
    from_ref = from_ref or env.get("PRE_COMMIT_FROM_REF")
    if not to_ref and not from_ref:
        # pre-commit pushing a branch whose whole history is new sets no refs,
        # only the branch: everything the destination remote does not have is new.
        to_ref = env.get("PRE_COMMIT_LOCAL_BRANCH")
    if not to_ref and not from_ref:
        # `credgate scan-range` alone, or pre-commit's manual stage (which sets no refs):
        # what this branch has not pushed yet.
        return unpushed()
    if not to_ref:
        raise UsageError(
            "no range to scan: --from-ref without --to-ref",
            "give --to-ref too (e.g. --to-ref HEAD), or neither to scan what is not pushed yet",
        )
    return from_refs(from_ref, to_ref, remote=env.get("PRE_COMMIT_REMOTE_NAME") or None)
