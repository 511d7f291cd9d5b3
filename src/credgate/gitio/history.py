"""History questions: what each commit adds (large files without their patch), when paths came and went."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from credgate.gitio.diff import Change
from credgate.gitio.log import Commit, _iter_log
from credgate.gitio.ranges import commit_exists, rev_list
from credgate.gitio.run import _LOG_PINNED, GitCommandError, _env, git_cmd, run


@dataclass(frozen=True)
class LargeAdds:
    """The blobs over a size among the objects some revs reach, and the commits that add one."""

    blobs: frozenset[str] = frozenset()
    commits: frozenset[str] = frozenset()


def large_additions(revs: Sequence[str], above: int, cwd: str | None = None) -> LargeAdds:
    large = large_blobs(revs, above, cwd)
    return LargeAdds(frozenset(large), frozenset(commits_adding(large, revs, cwd) if large else ()))


def iter_commits(
    revs: Sequence[str],
    cwd: str | None = None,
    keep_text: bool = False,
    commits: Sequence[str] | None = None,
    large_above: int | None = None,
    large: LargeAdds | None = None,
) -> Iterator[Commit]:
    """Each commit in revs, newest first, with what it adds.

    One streaming `git log`: raw entries (NUL-separated paths) and a zero-context
    patch per commit. A merge comes with what it introduces itself (conflict
    resolutions, evil merges): the lines of the files that differ from every parent
    that no parent has at that path (gitio/merges.py), so the merged branch is not
    scanned twice. The header marker starts with \x01, which cannot begin a patch
    line, and raw entries are read by count, so file names cannot forge one.
    Callers that want "the commit that introduced it" pick the oldest.

    With `commits`, exactly those commits are shown (`--no-walk --stdin`), which
    lets a history be split between workers.

    With `large_above`, git is never asked for the patch of a file that a commit adds
    with a blob over that size: every line of an added file is added, so its patch says
    nothing the blob does not, and making it costs git (and a reader) about twice the
    file. A large file's patch that is still read (an edit, a merge) streams through
    `_LargeSection`, so memory stays bounded either way.
    """
    if large is None:
        large = large_additions(revs, large_above, cwd) if large_above is not None else LargeAdds()
    adding = set(large.commits)
    if commits is not None:
        adding &= set(commits)
    if not adding:
        yield from _iter_log(revs, cwd, keep_text, commits)
        return
    pending: list[str] = []
    for sha in list(commits) if commits is not None else rev_list(revs, cwd):
        if sha not in adding:
            pending.append(sha)
            continue
        if pending:
            yield from _iter_log(revs, cwd, keep_text, pending)
            pending = []
        yield _commit_adding_large(sha, large.blobs, revs, cwd, keep_text)
    if pending:
        yield from _iter_log(revs, cwd, keep_text, pending)


def large_blobs(revs: Sequence[str], above: int, cwd: str | None = None) -> set[str]:
    """Blobs over `above` bytes among the objects revs reach (less what their exclusions reach).

    Object ids and sizes only (`rev-list --objects --filter=blob:limit`), no content is read.
    """
    args = git_cmd(
        "rev-list", "--objects", f"--filter=blob:limit={above + 1}", "--filter-print-omitted",
        "--no-object-names", *revs, "--",
    )  # fmt: skip
    import tempfile

    found: set[str] = set()
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(args, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=errfile)
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                if line.startswith(b"~"):
                    found.add(line[1:].strip().decode("ascii"))
        rc = proc.wait()
        if rc != 0:
            errfile.seek(0)
            raise GitCommandError(["rev-list", *revs], rc, errfile.read())
    return found


def commits_adding(blobs: set[str], revs: Sequence[str], cwd: str | None = None) -> set[str]:
    """The commits in revs (merges aside) whose diff adds or removes one of the blobs."""
    found: set[str] = set()
    order = sorted(blobs)
    for at in range(0, len(order), 200):  # a bounded command line however many large blobs there are
        objects = [f"--find-object={sha}" for sha in order[at : at + 200]]
        out = run("log", "--format=%H", "--no-merges", "--no-renames", *_LOG_PINNED, *objects, *revs, "--",
                  cwd=cwd)  # fmt: skip
        found.update(out.decode("ascii").split())
    return found


def _commit_adding_large(
    sha: str, large: frozenset[str], revs: Sequence[str], cwd: str | None, keep_text: bool
) -> Commit:
    """One commit (not a merge) that adds a large blob, without asking git for that file's patch.

    Its raw entries come first; a file it adds (or turns into a file) with a large blob has every
    line added; the patch is asked for the other files only, their paths named (renames' old paths
    too, so git pairs them as in the whole commit). An entry that patch shows otherwise than the
    raw listing is judged on every line (fail closed).
    """
    (commit,) = list(_iter_log(revs, cwd, keep_text, [sha], patch=False))
    rest: list[Change] = []
    for change in commit.changes:
        if change.scannable and change.new_sha in large and (change.status == "A" or change.splits):
            change.all_added = change.lines_only = True
        elif change.scannable:
            rest.append(change)
    spec = [os.fsdecode(p) for c in rest for p in (c.old_path, c.path) if p is not None]
    if not spec:
        return commit
    if len(spec) > 2000:  # too long a command line: the whole commit's patch, its large parts streamed
        (whole,) = list(_iter_log(revs, cwd, keep_text, [sha]))
        return whole
    patched = {c.path: c for part in _iter_log(revs, cwd, keep_text, [sha], paths=spec) for c in part.changes}
    for change in rest:
        seen = patched.get(change.path)
        same = (change.status, change.new_sha, change.old_path)
        if seen is not None and (seen.status, seen.new_sha, seen.old_path) == same:
            change.added, change.all_added = seen.added, seen.all_added
            change.added_blocks, change.lines_only = seen.added_blocks, seen.lines_only
        else:
            change.all_added = True
    return commit


@dataclass
class PathHistory:
    path: bytes
    first_commit: str = ""  # the oldest commit that added it
    first_time: int = 0
    last_commit: str = ""  # the newest commit that touched it
    last_time: int = 0
    deleted: bool = False  # the newest change was a deletion


def path_history(
    matches: Callable[[bytes], bool], cwd: str | None = None, refs: Sequence[str] = ("--all",)
) -> dict[bytes, PathHistory]:
    """When each path for which matches(path) is true was added and last touched, across refs.

    One streaming `git log --name-status -z` over every ref (and the reflog when asked),
    no patches, so it stays fast on long histories. `matches` is asked once per distinct path
    (sympy's history names 20 times more entries than paths).
    """
    args = git_cmd("log", *refs, "--format=%x01%H %at", "--name-status", "-z", "--no-renames", "--no-color",
                   "--diff-merges=first-parent", "--topo-order", "--")  # fmt: skip
    history: dict[bytes, PathHistory] = {}
    import tempfile

    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(args, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=errfile)
        assert proc.stdout is not None
        data = proc.stdout.read()
        rc = proc.wait()
        if rc != 0:
            errfile.seek(0)
            raise GitCommandError(["log", *refs], rc, errfile.read())
    sha, when = "", 0
    verdicts: dict[bytes, bool] = {}
    tokens = data.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if tok.startswith(b"\x01"):
            head = tok[1:].split(b" ")
            sha, when = head[0].decode(), int(head[1])
            continue
        if not tok:
            continue
        status, path = tok[:1], tokens[i] if i < len(tokens) else b""
        i += 1
        wanted = verdicts.get(path)
        if wanted is None:
            wanted = verdicts[path] = matches(path)
        if not wanted:
            continue
        h = history.get(path)
        if h is None:
            # git log is newest first: the first sighting is the latest change.
            h = history[path] = PathHistory(path, last_commit=sha, last_time=when, deleted=status == b"D")
        if status == b"A":
            h.first_commit, h.first_time = sha, when
    return history


def path_blobs(rev: str, paths: Sequence[str], cwd: str | None = None) -> list[str]:
    """Every blob the given paths held in the history of rev (newest first, each once)."""
    if not paths or not commit_exists(rev, cwd):
        return []
    out = run(
        "log", "--format=", "--raw", "-z", "--no-renames", "--no-abbrev", "-m", rev, "--", *paths, cwd=cwd
    )
    shas: dict[str, None] = {}
    for field_ in out.split(b"\0"):
        if field_.startswith((b":", b"\n:")):
            sha = field_.lstrip(b"\n").split(b" ")[3].decode("ascii")
            if set(sha) != {"0"}:
                shas[sha] = None
    return list(shas)


def commit_additions(
    revs: Sequence[str], commits: Sequence[str] | None = None, cwd: str | None = None
) -> Iterator[tuple[str, list[tuple[bytes, str, bytes | None]]]]:
    """(commit, [(path, mode, renamed from)]) for each commit in revs, newest first: the files it adds.

    A file is added when no parent has its path (a root commit adds all of its files), so a merge
    adds only what it creates itself, not what it takes from one side. A rename adds its new path
    and says where from (git's rename detection, against each parent); edits and deletions add
    nothing. Paths only, no patches: one `git log --raw -z` with a section per parent
    (`--diff-merges=separate`).
    """
    selection = ["--no-walk=unsorted", "--stdin"] if commits is not None else list(revs)
    data = "".join(f"{c}\n" for c in commits).encode() if commits is not None else None
    out = run(
        "log", "--format=%x01%H %P", "--raw", "-z", "--no-abbrev", "--find-renames", "--diff-merges=separate",
        "--no-color", "--no-ext-diff", "--ignore-submodules=none", *_LOG_PINNED, *selection, "--",
        cwd=cwd, input=data,
    )  # fmt: skip
    order: list[str] = []
    parents: dict[str, int] = {}
    sections: dict[str, list[dict[bytes, tuple[str, bytes | None]]]] = {}
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if tok.startswith(b"\x01"):
            sha, *ps = tok[1:].decode("ascii").split()
            if sha not in sections:
                order.append(sha)
                sections[sha] = []
                parents[sha] = len(ps)
            sections[sha].append({})
            continue
        if not tok.startswith(b":") or not order or i >= len(tokens):
            continue
        meta = tok[1:].decode("ascii").split(" ")
        status = meta[4][:1]
        path, old = tokens[i], None
        i += 1
        if status in ("R", "C") and i < len(tokens):
            old, path = path, tokens[i]
            i += 1
        if status in ("A", "R", "C"):
            sections[order[-1]][-1][path] = (meta[1], old)
    for sha in order:
        parts = sections[sha]
        if len(parts) < max(parents[sha], 1):
            yield sha, []  # identical to a parent: the merge takes that side whole and adds nothing
            continue
        first, rest = parts[0], parts[1:]
        yield sha, [(p, mode, old) for p, (mode, old) in first.items() if all(p in other for other in rest)]
