"""Every source of ignore rules git reads (exclude files, .gitignore on disk, in the index, in a
commit), and `git check-ignore`'s own verdict for comparison."""

from __future__ import annotations

import os
from dataclasses import dataclass

from credgate.errors import InternalError
from credgate.gitio.index import index_entries
from credgate.gitio.objects import committed_entries, read_blobs
from credgate.gitio.repo import config_path_value, git_path
from credgate.gitio.run import run

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Sequence


@dataclass(frozen=True)
class IgnoreSource:
    """One file of ignore patterns and the directory its patterns are relative to."""

    kind: str  # "gitignore", "info/exclude" or "core.excludesFile"
    path: str  # as shown to the user: repo-relative for .gitignore files, absolute otherwise
    base: str  # repo-relative directory the patterns apply under ("" for the root)
    lines: tuple[str, ...]


def _read_lines(path: str) -> tuple[str, ...] | None:
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", "surrogateescape")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    # git splits on "\n" only (a lone "\r", "\f" or "\x85" belongs to the pattern, and line numbers
    # must match git's); ignore.py drops the "\r" of a CRLF line and a UTF-8 BOM as git does.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return tuple(lines)


def ignore_sources(top: str) -> list[IgnoreSource]:
    """Every source of ignore rules git consults in this work tree, lowest priority first.

    core.excludesFile (default: $XDG_CONFIG_HOME/git/ignore), then .git/info/exclude,
    then each .gitignore, shallower before deeper (a deeper file overrides).
    """
    sources: list[IgnoreSource] = []
    excludes = config_path_value("core.excludesFile", cwd=top)
    if excludes is None:
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        excludes = os.path.join(xdg, "git", "ignore")
    excludes = os.path.join(top, excludes)  # git reads a relative one from the top of the work tree
    lines = _read_lines(excludes)
    if lines is not None:
        sources.append(IgnoreSource("core.excludesFile", excludes, "", lines))
    info = git_path("info/exclude", cwd=top)
    lines = _read_lines(info)
    if lines is not None:
        sources.append(IgnoreSource("info/exclude", info, "", lines))
    # Every git call runs with --literal-pathspecs, so filter the listing here instead of
    # with a `:(glob)` pathspec, which would be taken literally.
    # git also reads a .gitignore that a pattern ignores (`.*`), so the ignored listing counts too;
    # never one inside an excluded directory (--directory prints that as "dir/", which ends in "/").
    listed = run("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name", cwd=top)
    listed += b"\0" + run("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory",
                          "--full-name", cwd=top)  # fmt: skip
    found = {os.fsdecode(p) for p in listed.split(b"\0") if p == b".gitignore" or p.endswith(b"/.gitignore")}
    names = sorted(found, key=lambda p: (p.count("/"), p))
    for rel in names:
        if os.path.islink(os.path.join(top, rel)):
            continue  # git does not follow a symlinked .gitignore in the work tree
        lines = _read_lines(os.path.join(top, rel))
        if lines is not None:
            sources.append(IgnoreSource("gitignore", rel, os.path.dirname(rel), lines))
    return sources


def shared_ignore_sources(top: str) -> list[IgnoreSource]:
    """The .gitignore files as the index holds them (committed or staged), shallower before deeper.

    These are what a teammate's clone and CI get. A .gitignore that is only in the work tree
    (untracked, hidden by info/exclude, or changed and not staged) protects this machine only.
    """
    entries = [
        e for e in index_entries(cwd=top)
        if e.mode in ("100644", "100755") and (e.path == b".gitignore" or e.path.endswith(b"/.gitignore"))
    ]  # fmt: skip
    entries.sort(key=lambda e: (e.path.count(b"/"), e.path))
    sources = []
    for entry, blob in zip(entries, read_blobs([e.sha for e in entries], 16 * 1024 * 1024, cwd=top)):
        if blob.data is None:
            raise InternalError(f"{os.fsdecode(entry.path)} in the index is too large to read")
        sources.append(_gitignore_source(os.fsdecode(entry.path), blob.data))
    return sources


def _gitignore_source(rel: str, data: bytes) -> IgnoreSource:
    """A .gitignore read from a blob, as the evaluator takes it: its lines, without the final newline."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    if lines[-1] == "":
        lines.pop()
    return IgnoreSource("gitignore", rel, os.path.dirname(rel), tuple(lines))


def check_ignore(
    paths: Sequence[str], cwd: str | None = None, no_index: bool = True
) -> dict[str, str | None]:
    """git's own verdict, for comparison: path -> "source:line:pattern" of the deciding rule, or None.

    A negated pattern that matched is reported with its `!`: the path is not ignored.
    """
    args = ["check-ignore", "-v", "-n", "-z", "--stdin"]
    if no_index:
        args.append("--no-index")
    # check-ignore reads its paths as pathspecs and refuses --literal-pathspecs: "./" keeps a name
    # that starts with ":" from being taken for pathspec magic.
    sent = {("./" + p if p.startswith(":") else p): p for p in paths}
    data = b"".join(os.fsencode(p) + b"\0" for p in sent)
    out = run(*args, cwd=cwd, input=data, check=False, literal_pathspecs=False)
    fields = out.split(b"\0")
    result: dict[str, str | None] = {}
    for i in range(0, len(fields) - 3, 4):
        source, line, pattern, path = fields[i : i + 4]
        verdict = None
        if source and not pattern.startswith(b"!"):
            verdict = f"{os.fsdecode(source)}:{line.decode()}:{os.fsdecode(pattern)}"
        result[sent.get(os.fsdecode(path), os.fsdecode(path))] = verdict
    if len(result) != len(sent):  # exit 1 only means "nothing ignored"; a fatal error answers nothing
        raise InternalError("git check-ignore did not answer for every path")
    return result


def committed_gitignores(rev: str, cwd: str | None = None) -> list[IgnoreSource]:
    """Every .gitignore in rev's tree, shallower before deeper, as a clone checks them out.
    A symlinked .gitignore is skipped: git does not follow one."""
    entries = committed_entries(rev, cwd)
    names = sorted(
        (p for p, (mode, _) in entries.items()
         if (p == ".gitignore" or p.endswith("/.gitignore")) and mode in ("100644", "100755")),
        key=lambda p: (p.count("/"), p),
    )  # fmt: skip
    sources = []
    for rel, blob in zip(names, read_blobs([entries[n][1] for n in names], 1 << 20, cwd)):
        if blob.data is None:
            continue
        sources.append(_gitignore_source(rel, blob.data))
    return sources
