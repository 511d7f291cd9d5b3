"""The one module that talks to git.

Plumbing only, NUL-separated output, and every setting that changes what git
prints pinned on the command line: a user's `color.ui=always`, `core.quotePath`,
`diff.noprefix`, `diff.relative`, external diff drivers or pagers must never
change what credgate scans. Blobs come from `git cat-file --batch`, so the
index (not the working tree) is what a commit is judged on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Iterator, Sequence

from credgate.errors import InternalError, UsageError

ZERO_SHA_CHARS = frozenset(b"0")

_PINNED = (
    "-c", "core.quotePath=false",
    "-c", "color.ui=never",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "diff.external=",
    "-c", "core.fsmonitor=false",
    # What `git log` prints (the push gate, history, audit): a hidden root commit, signature
    # checks or re-encoded output between commits would hide commits or break the parse.
    "-c", "log.showRoot=true",
    "-c", "log.showSignature=false",
    "-c", "log.decorate=false",
    "-c", "log.abbrevCommit=false",
    "-c", "log.follow=false",
    "-c", "log.mailmap=false",
    "-c", "i18n.logOutputEncoding=UTF-8",
    "-c", "diff.submodule=short",
    "-c", "diff.suppressBlankEmpty=false",
    "-c", "diff.renames=true",
    "-c", "diff.indentHeuristic=true",  # which of two identical lines counts as added
    "-c", "merge.conflictStyle=merge",  # the remerge diff of a merge is against git's own conflict markers
)  # fmt: skip
_DROPPED_ENV = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER", "PAGER", "GIT_TRACE", "GIT_FLUSH")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a scan must not take the index lock or refresh it
    env["LC_ALL"] = "C"
    # A replace ref (refs/replace/<commit>, which a pusher can push) makes git show another object in
    # a commit's place: every object is read as it is.
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    return env


def git_cmd(*args: str, literal_pathspecs: bool = True) -> list[str]:
    # check-ignore refuses --literal-pathspecs ("pathspec magic not supported by this command"):
    # it alone opts out, and guards its own paths.
    literal = ("--literal-pathspecs",) if literal_pathspecs else ()
    # refs/replace/* (which anyone can push) would make git show one commit's content under another's id.
    return ["git", *_PINNED, "--no-pager", "--no-replace-objects", *literal, *args]


def run(
    *args: str,
    cwd: str | None = None,
    check: bool = True,
    input: bytes | None = None,
    literal_pathspecs: bool = True,
) -> bytes:
    try:
        proc = subprocess.run(
            git_cmd(*args, literal_pathspecs=literal_pathspecs),
            cwd=cwd, input=input, env=_env(), capture_output=True, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise UsageError(
            "git is not installed or not on PATH", "install git, then run credgate again"
        ) from None
    if check and proc.returncode != 0:
        raise GitCommandError(args, proc.returncode, proc.stderr)
    return proc.stdout


class GitCommandError(InternalError):
    def __init__(self, args: Sequence[str], returncode: int, stderr: bytes) -> None:
        from credgate.report import safe

        detail = safe(
            stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if stderr.strip() else ""
        )
        super().__init__(f"git {args[0]} failed (exit {returncode}): {detail}")
        self.stderr = stderr
        self.returncode = returncode


EMPTY_TREE = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}


@dataclass(frozen=True)
class RepoState:
    toplevel: str
    object_format: str
    head: str | None  # None on an unborn branch (the first commit)

    @property
    def diff_base(self) -> str:
        return self.head or EMPTY_TREE[self.object_format]


def repo_state(cwd: str | None = None) -> RepoState:
    """Work tree root, hash algorithm and HEAD in one git call (this is on every commit)."""
    try:
        proc = subprocess.run(
            git_cmd("rev-parse", "--show-toplevel", "--show-object-format", "HEAD^{commit}"),
            cwd=cwd, env=_env(), capture_output=True, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise UsageError(
            "git is not installed or not on PATH", "install git, then run credgate again"
        ) from None
    lines = proc.stdout.split(b"\n")
    if proc.returncode == 0 and len(lines) >= 3:
        return RepoState(os.fsdecode(lines[0]), lines[1].decode(), lines[2].decode())
    if len(lines) >= 3 and b"unknown revision" in proc.stderr:
        return RepoState(os.fsdecode(lines[0]), lines[1].decode(), None)
    _raise_not_repo(proc.stderr)
    raise GitCommandError(["rev-parse"], proc.returncode, proc.stderr)


def _raise_not_repo(stderr: bytes) -> None:
    if b"not a git repository" in stderr:
        raise UsageError(
            "not inside a git repository",
            "run credgate from inside your repository, or use `credgate scan PATH` for plain files",
        )
    if b"must be run in a work tree" in stderr:
        raise UsageError("this is a bare repository: there is no index to scan", "use the pre-receive hook")


def toplevel(cwd: str | None = None) -> str:
    try:
        out = run("rev-parse", "--show-toplevel", cwd=cwd)
    except GitCommandError as exc:
        _raise_not_repo(exc.stderr)
        raise
    return os.fsdecode(out.rstrip(b"\n"))


@dataclass
class Change:
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


@dataclass
class Blob:
    sha: str
    size: int
    data: bytes | None  # None when larger than the limit (not read into memory)
    kind: str = "blob"  # the object's type: BlobReader also reads commits, tags and trees


def read_blobs(shas: Sequence[str], max_size: int, cwd: str | None = None) -> Iterator[Blob]:
    """Stream blobs through one `git cat-file --batch`; oversized ones are skipped unread."""
    if not shas:
        return
    proc = subprocess.Popen(
        git_cmd("cat-file", "--batch"),
        cwd=cwd, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None

    def feed(stdin: IO[bytes]) -> None:
        try:
            for sha in shas:
                stdin.write(sha.encode() + b"\n")
            stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, args=(proc.stdin,), daemon=True)
    writer.start()
    out = proc.stdout
    try:
        for sha in shas:
            header = out.readline()
            parts = header.split()
            if len(parts) != 3:
                raise InternalError(f"git cat-file: object {sha} is missing or unreadable; run `git fsck`")
            size = int(parts[2])
            if size > max_size:
                remaining = size + 1
                while remaining > 0:
                    chunk = out.read(min(remaining, 1 << 20))
                    if not chunk:
                        raise InternalError(f"git cat-file ended early while reading {sha}")
                    remaining -= len(chunk)
                yield Blob(sha, size, None)
                continue
            data = out.read(size + 1)  # contents and the newline after them
            if len(data) != size + 1:
                raise InternalError(f"git cat-file ended early while reading {sha}")
            yield Blob(sha, size, data[:-1])
    finally:
        out.close()
        writer.join()
        proc.wait()


def list_files(paths: Iterable[str], cwd: str | None = None, include_ignored: bool = False) -> list[bytes]:
    """Tracked and untracked files under paths; ignored ones only when asked."""
    args = ["ls-files", "-z", "--cached", "--others", "--full-name"]
    if not include_ignored:
        args.append("--exclude-standard")
    out = run(*args, "--", *paths, cwd=cwd)
    return sorted(set(p for p in out.split(b"\0") if p))


def hooks_dir(cwd: str | None = None) -> str:
    """The directory git itself runs hooks from in this clone, absolute.

    Asked of git (`rev-parse --git-path hooks`), never re-derived: `core.hooksPath` can come from
    `config.worktree`, an `includeIf` (`gitdir:`, `onbranch:`, `hasconfig:remote.*.url:`), the
    environment (`GIT_CONFIG_*`) or `-c`, and a relative value is taken from the work tree root.
    A reader that misses any of these installs or audits hooks git never runs.
    """
    try:
        return git_path("hooks", cwd)
    except GitCommandError as exc:
        _raise_not_repo(exc.stderr)
        raise


# ---------------------------------------------------------------- history

_LOG_HEADER = b"\x01CG "


@dataclass
class Commit:
    sha: str
    parents: list[str]
    time: int
    changes: list[Change]


class _Stream:
    """Incremental reader over git's output with delimiter search that never rescans."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._buf = b""
        self._pos = 0
        self._eof = False
        self.found = False  # whether the last until() met its delimiter

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._raw.read(1 << 20)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n and self._more():
            pass
        return self._buf[self._pos : self._pos + n]

    def skip(self, n: int) -> None:
        self._pos += n

    def until(self, delim: bytes) -> bytes:
        """Bytes up to delim (consumed); the rest of the stream at EOF."""
        start = self._pos
        while True:
            at = self._buf.find(delim, start)
            if at != -1:
                out = self._buf[self._pos : at]
                self._pos = at + len(delim)
                self.found = True
                return out
            start = max(self._pos, len(self._buf) - len(delim) + 1)
            offset = self._pos
            if not self._more():
                out = self._buf[self._pos :]
                self._pos = len(self._buf)
                self.found = False
                return out
            start -= offset  # _more() re-based the buffer at the old position

    def until_either(self, first: bytes, second: bytes, limit: int) -> tuple[bytes, bytes | None]:
        """Bytes up to the nearer delimiter (consumed) and which one it was; None with at most
        `limit` bytes when neither is that near (call again for the next piece), or at EOF."""
        longest = max(len(first), len(second))
        start = self._pos
        while True:
            # Never past the piece, and the second only before the first: a commit's many small sections
            # cost one pass over its patch, not one over the buffer each.
            end = self._pos + limit + longest
            at1 = self._buf.find(first, start, end)
            at2 = self._buf.find(second, start, at1 + len(second) if at1 != -1 else end)
            hits = [(at, d) for at, d in ((at1, first), (at2, second)) if at != -1]
            if hits:
                at, delim = min(hits)
                if at - self._pos <= limit:
                    out = self._buf[self._pos : at]
                    self._pos = at + len(delim)
                    return out, delim
            if len(self._buf) - self._pos >= limit + longest:
                # A delimiter that starts within the piece would have been found whole.
                out = self._buf[self._pos : self._pos + limit]
                self._pos += limit
                return out, None
            start = max(self._pos, len(self._buf) - longest + 1)
            offset = self._pos
            if not self._more():
                out = self._buf[self._pos :]
                self._pos = len(self._buf)
                return out, None
            start -= offset


def iter_commits(
    revs: Sequence[str],
    cwd: str | None = None,
    keep_text: bool = False,
    commits: Sequence[str] | None = None,
    large_above: int | None = None,
) -> Iterator[Commit]:
    """Each commit in revs, newest first, with what it adds.

    One streaming `git log`: raw entries (NUL-separated paths) and a zero-context
    patch per commit. Merges use `--diff-merges=remerge`: the diff between git's
    automatic merge and the recorded result, which is exactly what a merge
    introduces (conflict resolutions, evil merges) without re-scanning the
    merged branch. The header marker starts with \x01, which cannot begin a patch
    line, and raw entries are read by count, so file names cannot forge one.

    Not `--reverse`: with `--diff-merges=remerge`, git before 2.48 loses the
    parents of merges it buffers for reversing and diffs every merge against a
    wrong base, which is slow (13x on 20,000 commits) and reports lines no merge
    added. Callers that want "the commit that introduced it" pick the oldest.

    With `commits`, exactly those commits are shown (`--no-walk --stdin`), which
    lets a history be split between workers.

    With `large_above`, git is never asked for the patch of a file that a commit adds
    with a blob over that size: every line of an added file is added, so its patch says
    nothing the blob does not, and making it costs git (and a reader) about twice the
    file. A large file's patch that is still read (an edit, a merge) streams through
    `_LargeSection`, so memory stays bounded either way.
    """
    large = large_blobs(revs, large_above, cwd) if large_above is not None else set()
    adding = commits_adding(large, revs, cwd) if large else set()
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
        yield _commit_adding_large(sha, large, revs, cwd, keep_text)
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
    sha: str, large: set[str], revs: Sequence[str], cwd: str | None, keep_text: bool
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


# -U and --inter-hunk-context imply -p: a listing without the patch leaves all three out.
_PATCH_FLAGS = ("-p", "-U0", "--inter-hunk-context=0")


def _iter_log(
    revs: Sequence[str],
    cwd: str | None,
    keep_text: bool,
    commits: Sequence[str] | None,
    patch: bool = True,
    paths: Sequence[str] = (),
) -> Iterator[Commit]:
    """iter_commits() in one `git log` (without `patch`: the raw entries only; `paths` limits it)."""
    selection = ["--no-walk=unsorted", "--stdin"] if commits is not None else list(revs)
    args = git_cmd(
        "log", "--format=%x01CG %H %P%x02%at", "--raw", *(_PATCH_FLAGS if patch else ()), "-z", "--no-abbrev",
        "--no-color", "--no-ext-diff", "--no-textconv", "--text", "--find-renames",
        "--diff-merges=remerge", "--diff-algorithm=myers", "--ignore-submodules=none", "-O/dev/null",
        "--src-prefix=a/", "--dst-prefix=b/", *_LOG_PINNED, *selection, "--", *paths,
    )  # fmt: skip
    import tempfile  # only history commands need it; the commit hook does not pay for it

    with tempfile.TemporaryFile() as errfile:
        stdin = subprocess.PIPE if commits is not None else subprocess.DEVNULL
        proc = subprocess.Popen(
            args, cwd=cwd, env=_env(), stdin=stdin, stdout=subprocess.PIPE, stderr=errfile
        )
        assert proc.stdout is not None
        if commits is not None:
            assert proc.stdin is not None
            data = "".join(f"{c}\n" for c in commits).encode()
            threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True).start()
        try:
            for commit in _parse_log(_Stream(proc.stdout), keep_text, patch):
                if len(commit.parents) > 2:
                    # git has no remerge diff for an octopus ("Skipping remerge-diff for octopus merges").
                    commit.changes = octopus_changes(commit.sha, commit.parents, cwd, keep_text)
                yield commit
        finally:
            proc.stdout.close()
            rc = proc.wait()
        if rc != 0:
            errfile.seek(0)
            raise GitCommandError(["log", *revs], rc, errfile.read())


# Flags that win over any config: every commit (a root or orphan one too) with its full patch,
# nothing else between commits (signature checks, notes, decorations), and no re-encoding.
_LOG_PINNED = (
    "--root", "--no-show-signature", "--no-notes", "--no-decorate", "--no-mailmap", "--no-abbrev-commit",
    "--encoding=UTF-8", "--submodule=short",
)  # fmt: skip

_DIFF_FLAGS = (
    "--raw", "-p", "-z", "-U0", "--no-abbrev", "--inter-hunk-context=0", "--no-color", "--no-ext-diff",
    "--no-textconv", "--text", "--diff-algorithm=myers", "--ignore-submodules=none", "--submodule=short",
    "-O/dev/null", "--src-prefix=a/", "--dst-prefix=b/",
)  # fmt: skip


def octopus_changes(
    sha: str, parents: Sequence[str], cwd: str | None = None, keep_text: bool = False
) -> list[Change]:
    """What a merge of three or more parents adds: lines no parent has.

    The diff against the first parent, less every added line that another
    parent already has at the same path (those came from a merged branch, which
    is judged on its own commits). A file the merge takes unchanged from some
    parent adds nothing; a line in no parent (an evil merge, a file only the merge
    creates) is added.
    """
    out = run("diff-tree", "-r", "--find-renames", *_DIFF_FLAGS, parents[0], sha, "--", cwd=cwd)
    changes, patch = parse_raw(out)
    attach_added_lines(changes, patch, keep_text=True)
    # Per other parent: path -> that parent's blob there (None: the path is not in it). A path
    # missing from the map is identical in that parent and in the merge.
    others: list[dict[bytes, str | None]] = []
    for parent in parents[1:]:
        raw, _ = parse_raw(
            run("diff-tree", "-r", "--raw", "-z", "--no-abbrev", "--no-renames", parent, sha, "--", cwd=cwd)
        )
        absent = {c.path for c in raw if set(c.old_sha.encode()) == ZERO_SHA_CHARS or c.old_mode == "160000"}
        others.append({c.path: None if c.path in absent else c.old_sha for c in raw})
    wanted = {sha_ for other in others for sha_ in other.values() if sha_}
    order = list(wanted)
    # An oversized parent version cannot be compared: its lines are not credited to it (fail closed).
    lines_of = {
        blob.sha: set(blob.data.split(b"\n"))
        for blob in read_blobs(order, 1 << 26, cwd)
        if blob.data is not None
    }
    kept = []
    for change in changes:
        if any(change.path not in other for other in others):
            continue  # the merge takes this file as one of its parents has it
        inherited: set[bytes] = set()
        for other in others:
            blob_sha = other[change.path]
            if blob_sha:
                inherited |= lines_of.get(blob_sha, set())
        blocks: list[tuple[int, int, bytes]] = []
        added: set[int] = set()
        for first, _count, text in change.added_blocks:
            run_start, run_lines = 0, list[bytes]()
            for i, line in enumerate(text.split(b"\n")):
                if line in inherited:
                    if run_lines:
                        blocks.append((run_start, len(run_lines), b"\n".join(run_lines)))
                    run_lines = []
                    continue
                if not run_lines:
                    run_start = first + i
                run_lines.append(line)
                added.add(first + i)
            if run_lines:
                blocks.append((run_start, len(run_lines), b"\n".join(run_lines)))
        change.added = added
        change.added_blocks = blocks if keep_text else []
        kept.append(change)
    return kept


def _feed(stdin: IO[bytes], data: bytes) -> None:
    try:
        stdin.write(data)
        stdin.close()
    except BrokenPipeError:
        pass


def _parse_log(s: _Stream, keep_text: bool = False, patch: bool = True) -> Iterator[Commit]:
    while True:
        head = s.peek(len(_LOG_HEADER))
        if not head:
            return
        if head != _LOG_HEADER:
            raise InternalError("unexpected output from git log (a commit header was expected)")
        s.skip(len(_LOG_HEADER))
        ids, _, when = s.until(b"\0").partition(b"\x02")
        sha, *parents = ids.decode("ascii").split()
        if s.peek(1) == b"\n":
            s.skip(1)
        changes: list[Change] = []
        while s.peek(1) == b":":
            s.skip(1)
            meta = s.until(b"\0").decode("ascii").split(" ")
            status = meta[4]
            first = s.until(b"\0")
            change = Change(status[0], meta[0], meta[1], meta[2], meta[3], first)
            if status[0] in ("R", "C"):
                change.old_path, change.path = first, s.until(b"\0")
            changes.append(change)
        if s.peek(1) == b"\0":
            s.skip(1)
        nxt = s.peek(len(_LOG_HEADER))
        sections: list[bytes | _LargeSection] = []
        if nxt and nxt != _LOG_HEADER:
            sections = _read_sections(s)
        if patch:
            _attach_sections(changes, sections, strict=len(parents) < 2, keep_text=keep_text)
        yield Commit(sha, parents, int(when or 0), changes)


SECTION_LIMIT = 8 << 20  # a file's patch larger than this is read a piece at a time, its text not kept
_SECTION = b"\ndiff --git "
_NEXT_COMMIT = b"\n" + _LOG_HEADER


def _read_sections(s: _Stream, limit: int = SECTION_LIMIT) -> list[bytes | _LargeSection]:
    """One commit's patch, a section per file, up to the next commit's header (left unread).

    Memory holds one ordinary section at a time, or a piece of `limit` bytes of a large one:
    a 100 MB file's patch is never held whole.
    """
    sections: list[bytes | _LargeSection] = []
    if s.peek(len(_SECTION) - 1) == _SECTION[1:]:
        s.skip(len(_SECTION) - 1)
    while True:
        piece, delim = s.until_either(_SECTION, _NEXT_COMMIT, limit)
        if delim is None and len(piece) == limit:
            large = _LargeSection()
            while delim is None and piece:
                large.feed(piece)
                piece, delim = s.until_either(_SECTION, _NEXT_COMMIT, limit)
            large.feed(piece, final=True)
            sections.append(large)
        elif piece:
            sections.append(piece)
        if delim == _NEXT_COMMIT:
            s.skip(-len(_LOG_HEADER))  # the next commit's header marker was consumed: step back onto it
        if delim != _SECTION:
            return sections


class BlobReader:
    """One long-lived `git cat-file --batch` answering blob requests one at a time."""

    def __init__(self, max_size: int, cwd: str | None = None) -> None:
        self.max_size = max_size
        self._pending: BlobStream | None = None  # a streamed blob whose chunks are not all read yet
        self._proc = subprocess.Popen(
            git_cmd("cat-file", "--batch"),
            cwd=cwd, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def read(self, sha: str) -> Blob:
        _drain(self._pending)  # a streamed blob's unread chunks come first
        self._pending = None
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        parts = stdout.readline().split()
        if len(parts) != 3:
            raise InternalError(f"git cat-file: object {sha} is missing or unreadable; run `git fsck`")
        size = int(parts[2])
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        # The id git answers with: a ref name asked for comes back as the object it names.
        oid, kind = parts[0].decode("ascii", "replace"), parts[1].decode("ascii", "replace")
        return Blob(oid, size, data[:-1] if size <= self.max_size else None, kind)

    def read_stream(self, sha: str, whole_limit: int, chunk_size: int = 1 << 20) -> BlobStream:
        """Like read(), but a blob over whole_limit comes as chunks (consume them before the next read)
        and one over max_size is skipped unread, so no blob costs more memory than a chunk."""
        _drain(self._pending)
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        stream = _next_stream(stdout, sha, self.max_size, whole_limit, chunk_size)
        self._pending = stream
        return stream

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._proc.wait()


def object_message(raw: bytes) -> bytes:
    """The message of a raw commit or tag object: everything after its headers' blank line."""
    at = raw.find(b"\n\n")
    return raw[at + 2 :] if at != -1 else b""


def object_header(raw: bytes, name: bytes) -> bytes | None:
    """The first header `name` of a raw commit or tag object (before the blank line)."""
    for line in raw.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(name + b" "):
            return line[len(name) + 1 :]
    return None


def tree_blobs(tree: str, cwd: str | None = None) -> list[tuple[str, str, bytes]]:
    """(mode, blob id, path) of every file in a tree, recursively; submodules are left out."""
    out = run("ls-tree", "-r", "-z", "--full-tree", tree, cwd=cwd)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split(" ")
        if kind == "blob":
            entries.append((mode, sha, path))
    return entries


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


# ---------------------------------------------------------------- ignore rules, config, history


def config_path_value(key: str, cwd: str | None = None) -> str | None:
    """A path-typed config value (`~` expanded by git), or None when unset."""
    out = run("config", "--type=path", "--get", key, cwd=cwd, check=False).decode("utf-8", "surrogateescape")
    return out.rstrip("\n") or None


def config_value(key: str, cwd: str | None = None) -> str | None:
    out = run("config", "--get", key, cwd=cwd, check=False).decode("utf-8", "surrogateescape")
    return out.rstrip("\n") or None


def git_path(name: str, cwd: str | None = None) -> str:
    """Absolute path of a file inside the git directory (`info/exclude`, `hooks`, `shallow`...)."""
    out = run("rev-parse", "--path-format=absolute", "--git-path", name, cwd=cwd)
    return os.fsdecode(out.rstrip(b"\n"))


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


@dataclass(frozen=True)
class IndexEntry:
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
    no patches, so it stays fast on long histories.
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
        if not matches(path):
            continue
        h = history.get(path)
        if h is None:
            # git log is newest first: the first sighting is the latest change.
            h = history[path] = PathHistory(path, last_commit=sha, last_time=when, deleted=status == b"D")
        if status == b"A":
            h.first_commit, h.first_time = sha, when
    return history


def blob_at(rev: str, path: str, cwd: str | None = None) -> str | None:
    """The blob id of path at rev, or None when rev does not have it."""
    out = run("rev-parse", "-q", "--verify", f"{rev}:{path}", cwd=cwd, check=False).strip()
    return out.decode("ascii") if out else None


def refs_containing(commit: str, cwd: str | None = None) -> list[str]:
    out = run("for-each-ref", "--format=%(refname)", "--contains", commit, cwd=cwd, check=False)
    return out.decode("utf-8", "surrogateescape").split()


def head_tree(cwd: str | None = None) -> dict[str, str]:
    """Path -> blob id of every file at HEAD."""
    out = run("ls-tree", "-r", "-z", "--full-tree", "HEAD", cwd=cwd)
    tree = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split(" ")
        if kind == "blob":
            tree[os.fsdecode(path)] = sha
    return tree


def work_tree_dirty(cwd: str | None = None) -> bool:
    """Tracked files changed or staged (untracked files do not block a rewrite)."""
    return bool(run("status", "--porcelain=v1", "-z", "--untracked-files=no", cwd=cwd).strip(b"\0"))


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


def backup_refs(names: Sequence[str], prefix: str, cwd: str | None = None) -> None:
    """Point refs under prefix at what each named ref points at now, in one transaction."""
    lines = "".join(f"create {prefix}/{name.removeprefix('refs/')} {name}\n" for name in names)
    run("update-ref", "--stdin", cwd=cwd, input=lines.encode())


def bundle_all(target: str, cwd: str | None = None) -> None:
    run("bundle", "create", target, "--all", cwd=cwd)


def filter_repo(args: Sequence[str], cwd: str | None = None) -> None:
    """Run git-filter-repo (a separate install): the history rewrite itself."""
    import shutil

    # Installed beside credgate (`pip install credgate[remediate]`) even when that venv is not on PATH.
    beside = os.path.join(os.path.dirname(sys.executable), "git-filter-repo")
    exe = beside if os.access(beside, os.X_OK) else shutil.which("git-filter-repo")
    if exe is None:
        raise UsageError("git-filter-repo is not installed", "pip install git-filter-repo, then run again")
    proc = subprocess.run([exe, *args], cwd=cwd, env=_env(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise GitCommandError(["filter-repo"], proc.returncode, proc.stderr or proc.stdout)


# ---------------------------------------------------------------- refs and objects for range resolution


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


def file_at(rev: str, path: str, cwd: str | None = None) -> bytes | None:
    """The content of a regular file (or symlink target) at rev, or None when rev has no such blob."""
    out = run("ls-tree", "-z", "--full-tree", rev, "--", path, cwd=cwd, check=False)
    record = out.split(b"\0")[0]
    meta, _, _ = record.partition(b"\t")
    fields = meta.decode("ascii", "replace").split(" ")
    if len(fields) != 3 or fields[1] != "blob":
        return None
    return run("cat-file", "blob", fields[2], cwd=cwd)


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


# ---------------------------------------------------------------- renames (for the baseline)


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


def tree_paths(rev: str, cwd: str | None = None) -> set[str]:
    """Every file path in rev's tree (empty when rev is not a commit)."""
    return set(committed_entries(rev, cwd))


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


def blob_text(rev: str, path: str, max_size: int, cwd: str | None = None) -> bytes | None:
    """The content of path at rev (rev "" is the index), or None when absent or over max_size."""
    sha = blob_at(rev, path, cwd)
    if sha is None:
        return None
    for blob in read_blobs([sha], max_size, cwd):
        return blob.data
    return None


def renames_in(revs: Sequence[str], cwd: str | None = None) -> list[tuple[str, str]]:
    """Every rename git detects in the commits of revs (history: a file accepted under its new name)."""
    out = run(
        "log", "--reverse", "--format=", "--no-merges", "-M", "--diff-filter=R", "--name-status", "-z",
        *revs, "--", cwd=cwd,
    )  # fmt: skip
    return _rename_pairs(out)


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


@dataclass(frozen=True)
class Layout:
    """Where a repository lives: its git directory and, unless it is bare, its work tree."""

    git_dir: str
    work_tree: str | None  # None: a bare or mirror repository, no index and no checkout
    mirror: bool  # a remote is configured with `mirror = true` (`git clone --mirror`)


def layout(cwd: str | None = None) -> Layout:
    """The repository around cwd, bare or not. Commands that need no index work in both."""
    try:
        out = run("rev-parse", "--absolute-git-dir", "--is-bare-repository", cwd=cwd)
    except GitCommandError as exc:
        _raise_not_repo(exc.stderr)
        raise
    lines = out.split(b"\n")
    git_dir, bare = os.fsdecode(lines[0]), lines[1] == b"true"
    mirrors = run("config", "--get-regexp", r"^remote\..*\.mirror$", cwd=cwd, check=False)
    mirror = any(line.rsplit(b" ", 1)[-1] == b"true" for line in mirrors.splitlines())
    if bare:
        return Layout(git_dir, None, mirror)
    top = run("rev-parse", "--show-toplevel", cwd=cwd, check=False).rstrip(b"\n")
    if not top:
        # Inside the .git directory of a clone: it has a work tree, just not here.
        raise UsageError(
            "this is the git directory of a clone, not its work tree", "cd to the work tree, then run again"
        )
    return Layout(git_dir, os.fsdecode(top), mirror)


def rewritable_refs(skip_prefix: str, cwd: str | None = None) -> list[str]:
    """Every ref a history rewrite must cover: not symbolic ones (origin/HEAD), not under skip_prefix."""
    out = run("for-each-ref", "--format=%(refname)%00%(symref)", cwd=cwd)
    names = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        name, _, target = line.partition("\0")
        if name and not target and not name.startswith(skip_prefix):
            names.append(name)
    return names


def filter_repo_exe() -> str | None:
    """git-filter-repo, installed beside credgate (`credgate[remediate]`) or on PATH."""
    import shutil

    beside = os.path.join(os.path.dirname(sys.executable), "git-filter-repo")
    return beside if os.access(beside, os.X_OK) else shutil.which("git-filter-repo")


def filter_repo_works(exe: str) -> bool:
    """Whether it runs at all (a broken shebang or a missing Python fails here, not mid-rewrite)."""
    try:
        proc = subprocess.run([exe, "--version"], env=_env(), capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def operation_in_progress(git_dir: str) -> str | None:
    """A rebase, merge, cherry-pick, revert or bisect that a history rewrite would break."""
    for name, what in (("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
                       ("MERGE_HEAD", "a merge"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
                       ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect")):  # fmt: skip
        if os.path.exists(os.path.join(git_dir, name)):
            return what
    return None


def committed_entries(rev: str, cwd: str | None = None) -> dict[str, tuple[str, str]]:
    """Path -> (mode, blob id) of every file in rev's tree; {} when rev does not exist (no commit yet)."""
    if not commit_exists(rev, cwd):
        return {}
    return {os.fsdecode(path): (mode, sha) for mode, sha, path in tree_blobs(rev, cwd)}


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


def reflog_exists(name: str, cwd: str | None = None) -> bool:
    proc = subprocess.run(git_cmd("reflog", "exists", name), cwd=cwd, env=_env(), capture_output=True)
    return proc.returncode == 0


def expire_reflogs(names: Sequence[str], cwd: str | None = None) -> None:
    """Empty the reflogs of names (and HEAD), as git-filter-repo does after a full rewrite: each entry
    names pre-rewrite commits (even the rewrite's own entry, as its old value)."""
    have = [n for n in ["HEAD", *names] if reflog_exists(n, cwd)]
    if have:
        run("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--", *have, cwd=cwd)


def run_filter_repo(exe: str, args: Sequence[str], cwd: str | None = None) -> None:
    """Run a git-filter-repo found (and checked) beforehand by `filter_repo_exe`."""
    proc = subprocess.run([exe, *args], cwd=cwd, env=_env(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise GitCommandError(["filter-repo"], proc.returncode, proc.stderr or proc.stdout)


# ---------------------------------------------------------------- streamed blobs and staged sizes


@dataclass
class BlobStream:
    """One blob from `git cat-file --batch`: whole when small, else a chunk at a time.

    Exactly one of data and chunks is set, or neither when the blob is over the
    hard limit (skipped unread). chunks must be consumed, or dropped, before the
    next blob is asked for: the reader drains whatever is left.
    """

    sha: str
    size: int
    data: bytes | None = None
    chunks: Iterator[bytes] | None = None
    drain: Callable[[], None] | None = field(default=None, repr=False, compare=False)


def _next_stream(out: IO[bytes], sha: str, max_size: int, whole_limit: int, chunk_size: int) -> BlobStream:
    parts = out.readline().split()
    if len(parts) != 3:
        raise InternalError(f"git cat-file: object {sha} is missing or unreadable; run `git fsck`")
    size = int(parts[2])
    if size <= whole_limit and size <= max_size:
        data = out.read(size + 1)
        if len(data) != size + 1:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        return BlobStream(sha, size, data=data[:-1])
    state = {"left": size + 1}  # contents and the newline after them

    def take(n: int) -> bytes:
        chunk = out.read(min(n, state["left"]))
        if not chunk:
            raise InternalError(f"git cat-file ended early while reading {sha}")
        state["left"] -= len(chunk)
        return chunk

    def chunks() -> Iterator[bytes]:
        while state["left"] > 1:
            yield take(min(chunk_size, state["left"] - 1))

    def drain() -> None:
        while state["left"] > 0:
            take(1 << 20)

    if size > max_size:
        drain()  # over the hard limit: never read into memory, and nothing left to consume
        return BlobStream(sha, size)
    return BlobStream(sha, size, chunks=chunks(), drain=drain)


def _drain(stream: BlobStream | None) -> None:
    if stream is not None and stream.drain is not None:
        stream.drain()


def read_blob_streams(
    shas: Sequence[str], max_size: int, whole_limit: int, chunk_size: int = 1 << 20, cwd: str | None = None
) -> Iterator[BlobStream]:
    """read_blobs() in bounded memory: blobs up to whole_limit whole, larger ones as chunks of
    chunk_size, and those over max_size skipped unread, through one `git cat-file --batch`."""
    if not shas:
        return
    proc = subprocess.Popen(
        git_cmd("cat-file", "--batch"),
        cwd=cwd, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    data = b"".join(sha.encode() + b"\n" for sha in shas)
    writer = threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True)
    writer.start()
    stream: BlobStream | None = None
    try:
        for sha in shas:
            stream = _next_stream(proc.stdout, sha, max_size, whole_limit, chunk_size)
            yield stream
            _drain(stream)
            stream = None
    finally:
        proc.stdout.close()
        writer.join()
        proc.wait()


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


def peeled_tree(rev: str, cwd: str | None = None) -> str | None:
    """The tree a ref or tag ends at when it names a tree rather than a commit (`git tag t <tree>`); None
    for a commit, a blob or a missing object."""
    peeled = run("rev-parse", "--verify", "-q", f"{rev}^{{}}", cwd=cwd, check=False).strip()
    if not peeled:
        return None
    kind = run("cat-file", "-t", peeled.decode("ascii"), cwd=cwd, check=False).strip()
    return peeled.decode("ascii") if kind == b"tree" else None
