"""Revisions and refs: rev-list, peeling, ancestry, remote-tracking refs, upstreams, renames."""

from __future__ import annotations

import os
import subprocess

from credgate.gitio.run import GitCommandError, _env, git_cmd, run

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Sequence


def rev_list(revs: Sequence[str], cwd: str | None = None) -> list[str]:
    out = run("rev-list", *revs, "--", cwd=cwd)
    return out.decode("ascii").split()


def commit_exists(rev: str, cwd: str | None = None) -> bool:
    return bool(run("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", cwd=cwd, check=False).strip())


def shallow_commits(cwd: str | None = None) -> set[str]:
    """Commits whose parents this clone does not have (empty when not shallow)."""
    path = run("rev-parse", "--git-path", "shallow", cwd=cwd).decode().strip()
    if cwd and not os.path.isabs(path):
        path = os.path.join(cwd, path)
    try:
        with open(path, encoding="ascii") as fh:
            return {line.strip() for line in fh if line.strip()}
    except FileNotFoundError:
        return set()


def refs_containing(commit: str, cwd: str | None = None) -> list[str]:
    out = run("for-each-ref", "--format=%(refname)", "--contains", commit, cwd=cwd, check=False)
    return out.decode("utf-8", "surrogateescape").split()


def ref_objects(cwd: str | None = None) -> list[tuple[str, str, str]]:
    """(object id, object type, ref name) of every ref: tags of tags, blobs and trees included."""
    out = run("for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", cwd=cwd)
    rows = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        sha, kind, name = line.split(" ", 2)
        rows.append((sha, kind, name))
    return rows


def refs(patterns: Sequence[str], cwd: str | None = None) -> list[str]:
    out = run("for-each-ref", "--format=%(refname)", *patterns, cwd=cwd)
    return out.decode("utf-8", "surrogateescape").split()


def resolve_commit(rev: str, cwd: str | None = None) -> str | None:
    """The commit id rev names (a tag peeled), or None when it names no commit here."""
    out = run("rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}", cwd=cwd, check=False)
    return out.decode("ascii").strip() or None


def symbolic_ref(name: str, cwd: str | None = None) -> str | None:
    """What a symbolic ref (`refs/remotes/origin/HEAD`, `HEAD`) points at, or None."""
    out = run("symbolic-ref", "-q", name, cwd=cwd, check=False)
    return out.decode("utf-8", "surrogateescape").strip() or None


def is_ancestor(commit: str, of: str, cwd: str | None = None) -> bool:
    """Whether commit is reachable from `of` (a commit is its own ancestor)."""
    proc = subprocess.run(
        git_cmd("merge-base", "--is-ancestor", commit, of),
        cwd=cwd,
        env=_env(),
        capture_output=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise GitCommandError(["merge-base"], proc.returncode, proc.stderr)
    return proc.returncode == 0


def merge_base(a: str, b: str, cwd: str | None = None) -> str | None:
    out = run("merge-base", a, b, cwd=cwd, check=False)
    return out.decode("ascii").strip() or None


def remote_tracking_patterns(remote: str, cwd: str | None = None) -> list[str]:
    """The local refs a configured remote's fetch refspecs write to (`refs/remotes/origin/*`), as
    for-each-ref patterns; empty when `remote` is a URL or has no fetch refspec."""
    out = run("config", "--get-all", f"remote.{remote}.fetch", cwd=cwd, check=False)
    patterns = []
    for spec in out.decode("utf-8", "surrogateescape").split("\n"):
        spec = spec.strip().lstrip("+")
        if not spec or spec.startswith("^") or ":" not in spec:
            continue  # a negative refspec, or one that stores nothing locally
        dst = spec.split(":", 1)[1]
        if not dst.startswith("refs/remotes/"):
            continue  # a mirror refspec (`refs/*:refs/*`) would make the pushed branch its own exemption
        patterns.append(dst)  # for-each-ref's `*`, like a refspec's, matches across `/`
    return patterns


def refs_matching(patterns: Sequence[str], cwd: str | None = None) -> list[tuple[str, str]]:
    """(ref name, commit id) for every ref under the patterns that points (peeled) at a commit."""
    if not patterns:
        return []
    fmt = "%(refname)%00%(objectname)%00%(*objectname)%00%(objecttype)%00%(*objecttype)"
    out = run("for-each-ref", f"--format={fmt}", *patterns, cwd=cwd)
    found = []
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        fields = line.split("\0")
        if len(fields) != 5:
            continue
        name, obj, peeled, kind, peeled_kind = fields
        if kind == "commit":
            found.append((name, obj))
        elif peeled_kind == "commit":
            found.append((name, peeled))
    return found


def _rename_pairs(out: bytes) -> list[tuple[str, str]]:
    """(old, new) from `--name-status -z` output restricted to renames, in git's order."""
    pairs = []
    fields = out.split(b"\0")
    i = 0
    while i < len(fields):
        status = fields[i].lstrip(b"\n").rsplit(b"\n", 1)[-1]  # a --format line may precede the status
        if status[:1] == b"R" and i + 2 < len(fields):
            pairs.append((os.fsdecode(fields[i + 1]), os.fsdecode(fields[i + 2])))
            i += 3
        else:
            i += 1
    return pairs


def first_commit_adding(path: str, rev: str = "HEAD", cwd: str | None = None) -> str | None:
    """The oldest commit reachable from rev that added path, or None (never committed)."""
    if not commit_exists(rev, cwd):
        return None
    out = run("log", "--format=%H", "--diff-filter=A", "--no-renames", rev, "--", path, cwd=cwd, check=False)
    shas = out.decode("ascii").split()
    return shas[-1] if shas else None


def renames_between(since: str, tip: str, cwd: str | None = None) -> list[tuple[str, str]]:
    """Renames git detects in the commits from `since` (itself included) to `tip`, oldest first."""
    out = run(
        "log", "--reverse", "--format=", "--no-merges", "-M", "--diff-filter=R", "--name-status", "-z",
        tip, "--not", f"{since}^@", "--",
        cwd=cwd,
    )  # fmt: skip
    return _rename_pairs(out)


def work_tree_renames(cwd: str | None = None) -> list[tuple[str, str]]:
    """Renames between HEAD and the work tree as git detects them (a `git mv` not yet committed)."""
    if not commit_exists("HEAD", cwd):
        return []
    out = run("diff-index", "-M", "--diff-filter=R", "--name-status", "-z", "HEAD", "--", cwd=cwd)
    return _rename_pairs(out)


def renames_in(revs: Sequence[str], cwd: str | None = None) -> list[tuple[str, str]]:
    """Every rename git detects in the commits of revs (history: a file accepted under its new name)."""
    out = run(
        "log", "--reverse", "--format=", "--no-merges", "-M", "--diff-filter=R", "--name-status", "-z",
        *revs, "--", cwd=cwd,
    )  # fmt: skip
    return _rename_pairs(out)


def rewritable_refs(skip_prefix: str, cwd: str | None = None) -> list[str]:
    """Every ref a history rewrite must cover: not symbolic ones (origin/HEAD), not under skip_prefix."""
    out = run("for-each-ref", "--format=%(refname)%00%(symref)", cwd=cwd)
    names = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        name, _, target = line.partition("\0")
        if name and not target and not name.startswith(skip_prefix):
            names.append(name)
    return names


def remote_names(cwd: str | None = None) -> list[str]:
    """The configured remotes (`git remote`), in git's order."""
    out = run("remote", cwd=cwd, check=False).decode("utf-8", "surrogateescape")
    return [name for name in out.split("\n") if name]


def upstream_commit(branch: str, cwd: str | None = None) -> tuple[str, str] | None:
    """(its ref name, the commit) of a local branch's upstream (`branch@{upstream}`), or None when
    the branch has none or it names no commit here (never fetched, or deleted)."""
    name = run("rev-parse", "-q", "--symbolic-full-name", "--end-of-options", f"{branch}@{{upstream}}",
               cwd=cwd, check=False).decode("utf-8", "surrogateescape").strip()  # fmt: skip
    if not name:
        return None
    sha = resolve_commit(name, cwd)
    return (name, sha) if sha else None
