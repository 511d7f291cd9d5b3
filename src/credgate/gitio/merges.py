"""What a merge adds: the lines of its files that no parent has at that path.

Every line of a merge's tree came from a parent, unless the merge wrote it: a conflict resolution,
an "evil merge" edit, a file only the merge creates. So a merge is judged on the files that differ
from every parent (one `git log --raw --diff-merges=combined` for many merges: trees only, no
patches), and in each such file on the lines that none of the parents' versions of that path
holds. That is the same rule for two parents as for an octopus, and it costs a few blob reads for
the merges that resolved something, instead of a three-way merge for every merge of the history
(git's `--diff-merges=remerge` takes longer than the whole history's patches without it).

A secret that a merged branch added is judged at the branch's own commit, once. A parent's version of
a path is the file at that path there, or, when one side renamed the file and the other edited it, the
file under its old name (found by git's rename detection, asked only for merges where some parent lacks
a listed path). A line the merge took from another file is judged again: nothing else is credited
across paths, which would let a merge carry a line from a test fixture into a real file unjudged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from credgate.errors import InternalError
from credgate.gitio.diff import ZERO_SHA_CHARS, Change
from credgate.gitio.objects import BlobReader
from credgate.gitio.run import _LOG_PINNED, run

_HEADER = b"\x01CGM "
BATCH = 256  # merges listed per `git log` (one process, a bounded listing)


@dataclass
class _Entry:
    """A file that differs from every parent: its mode and blob in each parent, then in the merge."""

    path: bytes
    old_modes: list[str]
    old_shas: list[str]
    new_mode: str
    new_sha: str
    statuses: str  # a letter per parent: A (the parent has no such path), M, D, T


@dataclass
class Merge:
    sha: str
    parents: list[str]
    time: int
    changes: list[Change]


def merge_changes(
    shas: Sequence[str], reader: BlobReader, cwd: str | None = None, keep_text: bool = False
) -> Iterator[Merge]:
    """For each merge (in the order given), the changes it makes itself: per file that differs from every
    parent, the line numbers (and with keep_text, the text) of the lines no parent's version of it has.

    A file over the reader's limit is not read: its change says every line is added (`all_added`,
    `lines_only`), and a parent's version over it credits no line (fail closed).
    """
    for at in range(0, len(shas), BATCH):
        listed = list(_listing(shas[at : at + BATCH], cwd))
        # A file some parent lacks may be another parent's file renamed (one branch renamed it, the other
        # edited it): listed again with rename detection, that parent's version is its file's old name.
        moved = [m[0] for m in listed if any("A" in e.statuses for e in m[3])]
        if moved:
            again = {m[0]: m for m in _listing(moved, cwd, renames=True)}
            listed = [again.get(m[0], m) for m in listed]
        for sha, parents, when, entries in listed:
            changes = [c for c in (_own_change(e, reader, keep_text) for e in entries) if c is not None]
            yield Merge(sha, parents, when, changes)


def _listing(
    shas: Sequence[str], cwd: str | None, renames: bool = False
) -> Iterator[tuple[str, list[str], int, list[_Entry]]]:
    """(merge, parents, time, the files that differ from every parent), from one combined raw listing.

    `--diff-merges=combined` with `--raw` lists exactly the paths whose entry in the merge differs from
    the entry in each parent, with each parent's blob; without rename detection that is a comparison of
    trees, no content read. With it (`renames`), a parent's blob is the one at the path's old name there.
    """
    out = run(
        "log", "--no-walk=unsorted", "--stdin", "--format=%x01CGM %H %P%x02%at", "--raw", "-z", "--no-abbrev",
        "--find-renames" if renames else "--no-renames", "--diff-merges=combined", "--no-color",
        "--no-ext-diff", "--ignore-submodules=none", *_LOG_PINNED, "--",
        cwd=cwd, input="".join(f"{s}\n" for s in shas).encode(),
    )  # fmt: skip
    found: list[tuple[str, list[str], int, list[_Entry]]] = []
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if tok.startswith(_HEADER):
            ids, _, stamp = tok[len(_HEADER) :].partition(b"\x02")
            sha, *parents = ids.decode("ascii").split()
            if len(parents) < 2:
                raise InternalError(f"git log listed {sha[:12]}, which is not a merge, among merges")
            found.append((sha, parents, int(stamp or 0), []))
            continue
        if not tok:
            continue
        k = len(found[-1][1]) if found else 0
        if not found or tok[:k] != b":" * k or tok[k : k + 1] == b":" or i >= len(tokens):
            raise InternalError("unexpected output from git log (a merge's file list)")
        meta = tok[k:].decode("ascii").split(" ")
        if len(meta) != 2 * (k + 1) + 1 or len(meta[-1]) != k:
            raise InternalError("unexpected output from git log (a merge's file entry)")
        path = tokens[i]
        i += 1
        found[-1][3].append(
            _Entry(path, meta[:k], meta[k + 1 : 2 * k + 1], meta[k], meta[2 * k + 1], meta[-1])
        )
    if [m[0] for m in found] != list(shas):
        raise InternalError("git log did not list the merges asked for, in their order")
    yield from found


def _own_change(entry: _Entry, reader: BlobReader, keep_text: bool) -> Change | None:
    """The change a merge makes to one file that differs from every parent, or None if it adds nothing."""
    if entry.new_mode in ("000000", "160000") or set(entry.new_sha.encode()) == ZERO_SHA_CHARS:
        return None  # deleted, or another repository's commit: nothing to read
    olds = [sha for mode, sha in zip(entry.old_modes, entry.old_shas) if mode not in ("000000", "160000")]
    if entry.new_sha in olds:
        return None  # a parent's content under another mode
    # Against the first parent, as a patch would be (a file the first parent lacks is added).
    status = "A" if entry.statuses[0] == "A" else "M"
    change = Change(status, entry.old_modes[0], entry.new_mode, entry.old_shas[0], entry.new_sha, entry.path)
    _added_lines(change, olds, reader, keep_text)
    # Both sides' edits to one file, merged cleanly: the file is new, none of its lines is.
    return change if change.added or change.all_added else None


def _added_lines(change: Change, olds: list[str], reader: BlobReader, keep_text: bool) -> None:
    """The lines of change's new blob that none of the parents' blobs (olds) has."""
    # Two parents' versions per round trip to git: a plain merge is one, and an octopus of many parents
    # holds three files at a time, not one per parent.
    new, *versions = reader.read_many([change.new_sha, *olds[:2]])
    if new.data is None:
        change.all_added = change.lines_only = True  # too large to hold: its blob is read in windows
        return
    lines = new.data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the end of the last line, not a line
    fresh = set(lines)
    for at in range(0, len(olds), 2):
        if not fresh:
            break
        for version in versions if at == 0 else reader.read_many(olds[at : at + 2]):
            if version.data is not None:
                fresh.difference_update(version.data.split(b"\n"))
    if not fresh:
        return  # both sides' lines, joined: most files a merge resolves add none of their own
    numbers = [n for n, line in enumerate(lines, 1) if line in fresh]
    start = 0
    for k in range(1, len(numbers) + 1):
        if k == len(numbers) or numbers[k] != numbers[k - 1] + 1:
            first, count = numbers[start], k - start
            change.added.update(range(first, first + count))
            if keep_text:
                change.added_blocks.append((first, count, b"\n".join(lines[first - 1 : first - 1 + count])))
            start = k
