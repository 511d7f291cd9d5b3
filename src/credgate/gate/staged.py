"""What a commit adds, and the staged gate that judges it (`credgate secrets`, the commit hooks).

What a commit adds is read once, here: the blobs in the index, whole (so pairs and multi-line keys
are seen), with the lines this commit adds; and the files named on the command line that are not
staged (pre-commit's `--all-files` and `--files`), read from disk, every line. A named file that is
staged is judged as the index holds it, on the lines it adds. Large files are read a window at a
time; one over max-file-size is judged by name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from credgate import config as config_mod
from credgate import gitio
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from credgate.gate.report import Report, Stats
from credgate.gate.scanning import (
    CHUNK,
    STREAM_ABOVE,
    Content,
    apply_baseline,
    build_scanner,
    open_disk,
    scan_file,
)

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Iterator, Sequence


def under(path: bytes, named: Sequence[bytes]) -> bool:
    """Whether a repo-relative path is one of the named paths, or lies under a named directory."""
    return any(n in (b"", b".") or path == n or path.startswith(n.rstrip(b"/") + b"/") for n in named)


@dataclass
class StagedFile:
    """One file of the commit, as the gate reads it."""

    display: str  # repo-relative
    content: Content
    added: set[int] | None  # the lines this commit adds; None: every line counts
    from_disk: bool = False  # named on the command line but not staged: read from the work tree
    stats: Stats = field(default_factory=Stats)  # what reading it recorded (a read error mid-file)


@dataclass
class Staged:
    """The staged changes under the paths named (every path when none is)."""

    state: gitio.RepoState
    changes: list[gitio.Change]  # deletions, renames and unscannable entries too: the baseline needs them
    todo: list[gitio.Change]  # the blobs to read: scannable and not excluded
    named: list[tuple[str, bytes]]  # (as given, repo-relative) for each path on the command line
    new_files: set[str] = field(default_factory=set)  # staged as added: `git rm --cached` applies

    @classmethod
    def read(
        cls, paths: Sequence[str], cfg: config_mod.Config, stats: Stats, state: gitio.RepoState | None = None
    ) -> Staged:
        state = state or gitio.repo_state()
        # The whole index is diffed even when paths are named (pre-commit names them), then filtered:
        # a pathspec would hide a rename's old side, and a pure `git mv` would look like a new file.
        changes = gitio.staged_changes_lean(state.diff_base)
        rels = [os.fsencode(os.path.relpath(os.path.abspath(p), state.toplevel)) for p in paths]
        if paths:
            changes = [c for c in changes if under(c.path, rels)]
        staged = cls(state, changes, [], list(zip(paths, rels)))
        for change in changes:
            if not change.scannable:
                continue
            display = os.fsdecode(change.path)
            if cfg.is_excluded(display):
                stats.excluded += 1
                continue
            staged.todo.append(change)
            if change.status in ("A", "C"):
                staged.new_files.add(display)
        return staged

    def files(self, cfg: config_mod.Config, stats: Stats) -> Iterator[StagedFile]:
        """Each file to scan, in order: the staged blobs (streamed through one `git cat-file`; read
        each one's chunks before asking for the next), then the named files that are not staged."""
        blobs = gitio.read_blob_streams(
            [c.new_sha for c in self.todo], cfg.max_file_size, STREAM_ABOVE, CHUNK
        )
        for change, blob in zip(self.todo, blobs):
            content = Content(blob.size, blob.data, blob.chunks, ident=blob.sha.encode())
            yield StagedFile(os.fsdecode(change.path), content, None if change.all_added else change.added)
        staged_paths = {c.path for c in self.changes}
        top = self.state.toplevel
        for given, rel in self.named:
            if rel in staged_paths:
                continue
            display = os.fsdecode(rel)
            if cfg.is_excluded(display):
                stats.excluded += 1
                continue
            full = os.path.join(top, display)
            if not os.path.lexists(full):
                raise UsageError(f"{given}: no such file", "name files that exist, or run without arguments")
            if os.path.isdir(full) and not os.path.islink(full):
                continue
            own = Stats()
            found = open_disk(full, cfg.max_file_size, own, display)
            if found is None:
                stats.merge(own)  # skipped (not a regular file) or unreadable
                continue
            yield StagedFile(display, found, None, from_disk=True, stats=own)


def scan_staged(
    paths: Sequence[str] = (), *, all_lines: bool = False, config_path: str | None = None
) -> Report:
    """The staged gate: what this commit adds (and the files named that are not staged), judged, with
    the baseline as this commit records it."""
    state = gitio.repo_state()
    top = state.toplevel
    cfg = config_mod.find(top, config_path)
    scanner = build_scanner(cfg)
    stats = Stats()
    findings: list[Finding] = []
    staged = Staged.read(paths, cfg, stats, state)
    from_disk = 0
    for file in staged.files(cfg, stats):
        from_disk += file.from_disk
        scanned = scan_file(
            scanner, file.content, file.display, file.added, all_lines, cfg.max_file_size, file.stats
        )
        scanned.merge_into(stats, findings)
    todo = staged.todo
    scope = "staged changes" if not from_disk else "files" if not todo else "staged changes and files"
    # Files read from disk (pre-commit --all-files) are edited, not unstaged.
    kind = "files" if from_disk and not todo else "staged"
    report = Report(scope, findings, stats, new_files=staged.new_files, max_size=cfg.max_file_size, kind=kind,
                    credential_files=_credential_files(findings, cfg))  # fmt: skip
    return _staged_baseline(report, cfg, top, staged.changes, scanner, state.head)


def _staged_baseline(
    report: Report,
    cfg: config_mod.Config,
    top: str,
    changes: Sequence[gitio.Change],
    scanner: Scanner,
    head: str | None,
) -> Report:
    """The baseline as this commit records it (the index), with renames this commit stages.

    Entries the commit adds are checked against what it records: one whose value is not at
    its path accepts nothing and is reported (a commit cannot approve a secret elsewhere).
    """
    if not cfg.baseline:
        return apply_baseline(report, cfg)  # no baseline: only `allow-large` can accept anything
    from credgate import baseline as baseline_mod

    rel = os.path.relpath(cfg.baseline, top).replace(os.sep, "/")
    touched = any(os.fsdecode(c.path) == rel for c in changes)
    if not report.findings and not touched:
        return report  # the common commit: nothing to accept and no entry to check
    staged = None if rel.startswith("..") else gitio.blob_text("", rel, cfg.max_file_size, cwd=top)
    loaded = baseline_mod.load_text(staged, rel) if staged is not None else baseline_mod.load(cfg.baseline)
    before = gitio.blob_text("HEAD", rel, cfg.max_file_size, cwd=top) if head and staged is not None else None
    try:
        old = baseline_mod.load_text(before, f"HEAD:{rel}").entries if before is not None else set()
    except UsageError:
        old = set()  # a broken committed baseline: judge every staged entry
    if staged is not None and touched:
        bad = baseline_mod.unverified(
            loaded.entries - old,
            lambda p: gitio.blob_text("", p, cfg.max_file_size, cwd=top),
            lambda data, p: scanner.scan(data, p).findings,
        )
        report.notes.extend(baseline_mod.unverified_message(e, rel, "as staged") for e in bad)
    renames = [
        (os.fsdecode(c.old_path), os.fsdecode(c.path)) for c in changes if c.old_path and c.status == "R"
    ]
    verify = baseline_mod.committed_before(old, "HEAD", top, cfg.max_file_size) if old else None
    return apply_baseline(
        report, cfg, root=top, renames=renames, prefer_index=True, loaded=loaded, verify=verify
    )


def _credential_files(findings: list[Finding], cfg: config_mod.Config) -> set[str]:
    """Which files the advice may tell to untrack and gitignore: credential files only, never docs or
    source (the credential-file gate's definition)."""
    blocking = [f for f in findings if f.blocking]
    if not blocking:
        return set()  # the common case, on every commit: nothing to advise on
    from credgate.gate.credential_files import credential_files

    return credential_files(blocking, cfg)
