"""Reading git's raw entries and zero-context patches into changes with their added lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from credgate.errors import InternalError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Sequence

ZERO_SHA_CHARS = frozenset(b"0")


@dataclass
class Change:
    """One entry of a raw diff, with the lines of its new blob that the change adds."""

    status: str  # A, C, M, R, T, D, U, X
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    path: bytes
    old_path: bytes | None = None
    added: set[int] = field(default_factory=set)  # line numbers in the new blob
    all_added: bool = False  # the patch could not be mapped to lines: treat every line as added
    # When asked for: (first line, line count, the lines' text joined by newlines), a block per hunk.
    added_blocks: list[tuple[int, int, bytes]] = field(default_factory=list)
    # The patch was too large to hold: `added` has the line numbers, added_blocks no text (read the blob).
    lines_only: bool = False

    @property
    def splits(self) -> bool:
        """Whether git's patch shows this entry as two sections (a deletion, then a creation)."""
        if self.old_mode.strip("0") == "" or self.new_mode.strip("0") == "":
            return False  # an added or deleted file: one section
        return int(self.old_mode, 8) & 0o170000 != int(self.new_mode, 8) & 0o170000

    @property
    def scannable(self) -> bool:
        # Deleted files have nothing to scan; gitlinks (160000) are other repositories.
        return (
            self.status not in ("D", "U", "X")
            and self.new_mode != "160000"
            and set(self.new_sha.encode()) != ZERO_SHA_CHARS
        )


def parse_raw(out: bytes) -> tuple[list[Change], bytes]:
    """Parse `--raw -z` entries; returns them and whatever follows (the patch)."""
    changes: list[Change] = []
    pos = 0
    while pos < len(out) and out[pos : pos + 1] == b":":
        end = out.index(b"\0", pos)
        meta = out[pos + 1 : end].decode("ascii").split(" ")
        old_mode, new_mode, old_sha, new_sha, status = meta[0], meta[1], meta[2], meta[3], meta[4]
        pos = end + 1
        end = out.index(b"\0", pos)
        first = out[pos:end]
        pos = end + 1
        change = Change(status[0], old_mode, new_mode, old_sha, new_sha, first)
        if status[0] in ("R", "C"):
            end = out.index(b"\0", pos)
            change.old_path, change.path = first, out[pos:end]
            pos = end + 1
        changes.append(change)
    if out[pos : pos + 1] == b"\0":
        pos += 1
    return changes, out[pos:]


def attach_added_lines(
    changes: list[Change], patch: bytes, strict: bool = True, keep_text: bool = False
) -> None:
    """Record the new-side line number of every `+` line, file by file.

    Git prints one `diff --git` section per raw entry, in the same order; a
    content line always starts with a prefix character, so the header cannot be
    forged by file content.
    """
    sections = patch.split(b"\ndiff --git ")
    if sections and sections[0].startswith(b"diff --git "):
        sections[0] = sections[0][len(b"diff --git ") :]
    _attach_sections(changes, [s for s in sections if s], strict, keep_text)


def _attach_sections(
    changes: list[Change], sections: Sequence[bytes | _LargeSection], strict: bool, keep_text: bool
) -> None:
    """attach_added_lines() on a patch already cut into sections, large ones summed up as they streamed."""
    # A type change (symlink <-> file, file <-> submodule) is one raw entry but two sections:
    # git prints the old entry's deletion, then the new one's creation.
    counts = [2 if change.splits else 1 for change in changes]
    if len(sections) != sum(counts):
        if not strict:
            # A merge's remerge diff can carry sections without a raw entry: judge
            # every line of its files as added rather than guess.
            for change in changes:
                change.all_added = True
            return
        raise InternalError(
            "could not match git's patch to its file list "
            f"({len(sections)} sections for {len(changes)} files)"
        )
    at = 0
    for change, count in zip(changes, counts):
        at += count
        section = sections[at - 1]  # of a split pair, the creation: all the lines it adds
        if isinstance(section, _LargeSection):
            section.attach(change)
            continue
        blocks = _zero_context_blocks(section, keep_text)
        if blocks is None:
            blocks = _line_by_line_blocks(section)
        for first, count, text in blocks:
            change.added.update(range(first, first + count))
            if keep_text:
                change.added_blocks.append((first, count, text))


def _hunk_start(header: bytes) -> tuple[int, int]:
    """The new side's first line and line count from `@@ -a[,b] +c[,d] @@`."""
    plus = header.split(b" ", 3)[2][1:].split(b",")
    return int(plus[0]), int(plus[1]) if len(plus) > 1 else 1


def _zero_context_blocks(section: bytes, keep_text: bool) -> list[tuple[int, int, bytes]] | None:
    """The added lines of one file's `-U0` patch, a block per hunk, without a loop over lines.

    Without context a hunk is its removed lines, then its added lines, each group
    possibly followed by a `\\ No newline` marker, so the added text is one slice.
    Returns None when a hunk does not have that shape, for the line-by-line parser.
    """
    blocks: list[tuple[int, int, bytes]] = []
    pos = section.find(b"\n@@ ")
    while pos != -1:
        head_end = section.find(b"\n", pos + 1)
        if head_end == -1:
            return None  # a header cut short: let the line-by-line parser judge it
        nxt = section.find(b"\n@@ ", head_end)
        body = section[head_end + 1 : nxt if nxt != -1 else len(section)]
        first, count = _hunk_start(section[pos + 1 : head_end])
        pos = nxt
        if count == 0:
            continue
        at = 0 if body.startswith(b"+") else body.find(b"\n+") + 1
        if at == 0 and body[:1] != b"+":
            return None  # a count of added lines, but none in the hunk
        block = body[at:]
        marker = block.find(b"\n\\")
        if marker != -1:
            block = block[:marker]
        elif block.endswith(b"\n"):
            block = block[:-1]
        if block.count(b"\n") != count - 1 or block.count(b"\n+") != count - 1:
            return None
        blocks.append((first, count, block[1:].replace(b"\n+", b"\n") if keep_text else b""))
    return blocks


def _line_by_line_blocks(section: bytes) -> list[tuple[int, int, bytes]]:
    blocks: list[tuple[int, int, bytes]] = []
    new_line = 0
    in_hunk = False
    for line in section.split(b"\n"):
        if line.startswith(b"@@ "):
            new_line = _hunk_start(line)[0]
            in_hunk = True
        elif not in_hunk:
            continue
        elif line.startswith(b"+"):
            blocks.append((new_line, 1, line[1:]))
            new_line += 1
        elif line.startswith(b" "):
            new_line += 1
    return blocks


class _LargeSection:
    """One file's section of a patch too large to hold, read piece by piece: only its hunks'
    new-side line ranges are kept, never the text (the blob is read for that, in bounded memory).

    A hunk header is found as `\n@@ ` (a content line always starts with a prefix character, so
    file content cannot forge one), and the `+` lines are counted against the headers' counts:
    a patch that does not add up is judged on every line (fail closed).
    """

    _HEAD = b"\n@@ "
    _MAX_HEADER = 1 << 16  # git cuts a hunk header's function context short; more is not a header

    def __init__(self) -> None:
        self._tail = b""
        self._in_hunks = False
        self.plus = 0  # `+` lines seen after the first hunk header
        self.ranges: list[tuple[int, int]] = []  # (first line, count) per hunk that adds lines
        self.creation = False  # the section creates the file (`@@ -0,0 +1,N @@`): every line is added
        self.bad = False

    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self._tail + data
        # Bytes from q on may start a marker that the next piece completes: they wait for it.
        q = len(buf) if final else max(0, len(buf) - len(self._HEAD) + 1)
        p = 0
        while True:
            h = buf.find(self._HEAD, p, q + len(self._HEAD) - 1)
            if h == -1:
                break
            if self._in_hunks:
                self.plus += buf.count(b"\n+", p, h + 1)
            e = buf.find(b"\n", h + 1)
            if e == -1:
                if final or len(buf) - h > self._MAX_HEADER:
                    self.bad = True
                    q = len(buf)
                else:
                    q = h
                p = q
                break
            self._header(buf[h + 1 : e])
            p = e
        if self._in_hunks and p < q:
            self.plus += buf.count(b"\n+", p, min(q + 1, len(buf)))
        self._tail = buf[q:]

    def _header(self, header: bytes) -> None:
        try:
            minus = header.split(b" ", 3)[1]
            first, count = _hunk_start(header)
        except (IndexError, ValueError):
            self.bad = True
            return
        if not self._in_hunks and minus in (b"-0,0", b"-0") and first == 1:
            self.creation = True
        elif self._in_hunks:
            self.creation = False
        self._in_hunks = True
        if count:
            self.ranges.append((first, count))

    def attach(self, change: Change) -> None:
        change.lines_only = True
        if self.bad or self.plus != sum(count for _, count in self.ranges):
            change.all_added = True
        elif self.creation:
            change.all_added = True  # a new file: its lines are all added, no need to list them
        else:
            for first, count in self.ranges:
                change.added.update(range(first, first + count))
