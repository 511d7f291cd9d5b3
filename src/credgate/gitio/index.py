"""The index: what `git commit` would record, tracked files, and searches over them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from credgate.gitio.diff import Change, attach_added_lines, parse_raw
from credgate.gitio.run import GitCommandError, run

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Iterable, Sequence


def staged_changes(base: str, paths: Sequence[str] = (), cwd: str | None = None) -> list[Change]:
    """What `git commit` would record, with the line numbers each change adds.

    One `diff-index --cached` gives both the raw entries (modes, blob ids, NUL-
    separated paths) and a zero-context patch in the same order; `--text` keeps a
    `binary` or `-diff` attribute from hiding a text file's lines.
    """
    out = run(
        "diff-index", "--cached", "--raw", "-p", "-z", "-U0", "--inter-hunk-context=0",
        "--no-color", "--no-ext-diff", "--no-textconv", "--text", "--find-renames",
        "--diff-algorithm=myers", "--ignore-submodules=none", "-O/dev/null",
        "--src-prefix=a/", "--dst-prefix=b/", base, "--", *paths, cwd=cwd,
    )  # fmt: skip
    changes, patch = parse_raw(out)
    attach_added_lines(changes, patch)
    return changes


def list_files(paths: Iterable[str], cwd: str | None = None, include_ignored: bool = False) -> list[bytes]:
    """Tracked and untracked files under paths; ignored ones only when asked."""
    args = ["ls-files", "-z", "--cached", "--others", "--full-name"]
    if not include_ignored:
        args.append("--exclude-standard")
    out = run(*args, "--", *paths, cwd=cwd)
    return sorted(set(p for p in out.split(b"\0") if p))


@dataclass(frozen=True)
class IndexEntry:
    """A stage-0 index entry: mode, blob id and path."""

    mode: str
    sha: str
    path: bytes


def index_entries(cwd: str | None = None) -> list[IndexEntry]:
    """Every tracked path in the index (stage 0), with its mode and blob id."""
    out = run("ls-files", "-s", "-z", "--full-name", cwd=cwd)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, sha, stage = meta.decode("ascii").split(" ")
        if stage == "0":
            entries.append(IndexEntry(mode, sha, path))
    return entries


def work_tree_dirty(cwd: str | None = None) -> bool:
    """Tracked files changed or staged (untracked files do not block a rewrite)."""
    return bool(run("status", "--porcelain=v1", "-z", "--untracked-files=no", cwd=cwd).strip(b"\0"))


def staged_raw(base: str, cwd: str | None = None) -> list[Change]:
    """The staged changes without their patch (no line numbers): what staged_changes() lists, cheaply."""
    out = run(
        "diff-index", "--cached", "--raw", "-z", "--no-color", "--no-ext-diff", "--no-textconv",
        "--find-renames", "--ignore-submodules=none", base, "--", cwd=cwd,
    )  # fmt: skip
    return parse_raw(out)[0]


def staged_changes_lean(base: str, cwd: str | None = None, max_pathspec: int = 2000) -> list[Change]:
    """staged_changes() without the patch of added files, which can be as large as the files.

    An added file's lines are all added (all_added), so its patch says nothing the blob does not:
    a 100 MB file costs no 100 MB patch in memory. The patch is read for the other changes only;
    a change it does not describe the same way is judged on every line (fail closed).
    """
    from credgate.gitio import early

    read = early.take("staged_changes_lean", base) if cwd is None and max_pathspec == 2000 else None
    if read is not None:
        return read()  # type: ignore[no-any-return]
    raw = staged_raw(base, cwd)
    if not any(c.status == "A" for c in raw):
        return staged_changes(base, cwd=cwd)
    rest = [c for c in raw if c.status != "A" and c.scannable]
    spec = [os.fsdecode(p) for c in rest for p in (c.old_path, c.path) if p is not None]
    patched = {}
    if len(spec) > max_pathspec:
        patched = {c.path: c for c in staged_changes(base, cwd=cwd)}
    elif spec:
        patched = {c.path: c for c in staged_changes(base, spec, cwd=cwd)}
    for change in raw:
        if change.status == "A":
            change.all_added = True
            continue
        seen = patched.get(change.path)
        if seen is not None and (seen.status, seen.new_sha) == (change.status, change.new_sha):
            change.added, change.all_added = seen.added, seen.all_added
        elif change.scannable:
            change.all_added = True
    return raw


def list_files_below(cwd: str, include_ignored: bool = False) -> tuple[list[bytes], int]:
    """Tracked and untracked files under cwd, as paths relative to cwd (not to the work tree's top),
    and how many ignored paths were left out (an ignored directory counts once)."""
    args = ["ls-files", "-z", "--cached", "--others"]
    if not include_ignored:
        args.append("--exclude-standard")
    files = sorted(set(p for p in run(*args, "--", ".", cwd=cwd).split(b"\0") if p))
    if include_ignored:
        return files, 0
    ignored = run("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", "--",
                  ".", cwd=cwd)  # fmt: skip
    return files, sum(1 for p in ignored.split(b"\0") if p)


def grep_cached(needles: Sequence[bytes], cwd: str | None = None) -> list[tuple[str, int, bytes]]:
    """(path, line, text) of each line of the index's text files that holds one of the fixed strings.

    The index, not the work tree: what is tracked. Binary files are skipped (-I); every setting that
    changes the output is pinned, and -z keeps any file name intact."""
    args = ["-c", "grep.column=false", "-c", "grep.fallbackToNoIndex=false", "-c", "grep.patternType=fixed"]
    args += [
        "grep",
        "--cached",
        "-z",
        "-n",
        "-I",
        "-F",
        "--no-color",
        "--full-name",
        "--no-recurse-submodules",
    ]
    for needle in needles:
        args += ["-e", needle.decode("utf-8", "surrogateescape")]
    try:
        proc_out = run(*args, cwd=cwd)
    except GitCommandError as exc:
        if exc.returncode == 1 and not exc.stderr.strip():
            return []  # git grep's "no line matched"
        raise
    out: list[tuple[str, int, bytes]] = []
    at = 0
    while at < len(proc_out):
        name_end = proc_out.find(b"\0", at)
        num_end = proc_out.find(b"\0", name_end + 1) if name_end != -1 else -1
        if num_end == -1:
            break
        text_end = proc_out.find(b"\n", num_end + 1)
        text_end = len(proc_out) if text_end == -1 else text_end
        try:
            line = int(proc_out[name_end + 1 : num_end])
        except ValueError:
            break
        out.append((os.fsdecode(proc_out[at:name_end]), line, proc_out[num_end + 1 : text_end]))
        at = text_end + 1
    return out
