"""Hook `credgate-secrets` / `credgate secrets`: the staged-secret gate.

Scans what the commit will record: blobs in the index, whole (so pairs and
multi-line keys are seen), blocking on findings that touch lines this commit
adds. Files named on the command line that are not staged (pre-commit's
`--all-files` and `--files`) are scanned from disk, every line; a named file
that is staged is judged like the plain hook judges it, on the lines it adds.
Large files are scanned a window at a time; one over max-file-size blocks.
"""

from __future__ import annotations

import os
from typing import Sequence, TextIO

import click

from credgate import config as config_mod
from credgate import gitio
from credgate.commands._common import (
    CHUNK,
    STREAM_ABOVE,
    Content,
    PathsCommand,
    apply_baseline,
    build_scanner,
    emit,
    open_disk,
    scan_content_into,
    scan_options,
)
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from credgate.report import Report, Stats


def _named(path: bytes, named: list[bytes]) -> bool:
    """Whether a repo-relative path is one of the named paths, or lies under a named directory."""
    return any(n in (b"", b".") or path == n or path.startswith(n.rstrip(b"/") + b"/") for n in named)


def run(
    paths: Sequence[str] = (),
    *,
    all_lines: bool = False,
    fmt: str = "text",
    verbose: bool = False,
    config_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    state = gitio.repo_state()
    top = state.toplevel
    cfg = config_mod.find(top, config_path)
    scanner = build_scanner(cfg)
    stats = Stats()
    findings: list[Finding] = []
    # The whole index is diffed even when paths are named (pre-commit names them), then filtered:
    # a pathspec would hide a rename's old side, and a pure `git mv` would look like a new file.
    all_changes = gitio.staged_changes_lean(state.diff_base)
    named = [os.fsencode(os.path.relpath(os.path.abspath(p), top)) for p in paths]
    if paths:
        all_changes = [c for c in all_changes if _named(c.path, named)]
    changes = [c for c in all_changes if c.scannable]
    staged_paths = {c.path for c in all_changes}
    new_files: set[str] = set()

    todo = []
    for change in changes:
        display = os.fsdecode(change.path)
        if cfg.is_excluded(display):
            stats.excluded += 1
            continue
        todo.append(change)
        if change.status in ("A", "C"):
            new_files.add(display)
    blobs = gitio.read_blob_streams([c.new_sha for c in todo], cfg.max_file_size, STREAM_ABOVE, CHUNK)
    for change, blob in zip(todo, blobs):
        display = os.fsdecode(change.path)
        content = Content(blob.size, blob.data, blob.chunks, ident=blob.sha.encode())
        added = None if change.all_added else change.added
        scan_content_into(scanner, content, display, added, all_lines, stats, findings, cfg.max_file_size)

    # Named but not staged: pre-commit's --all-files / --files modes, or a user's explicit list.
    from_disk = 0
    for given, rel in zip(paths, named):
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
        found = open_disk(full, cfg.max_file_size, stats, display)
        if found is not None:
            from_disk += 1
            scan_content_into(scanner, found, display, None, True, stats, findings, cfg.max_file_size)

    scope = "staged changes" if not from_disk else "files" if not todo else "staged changes and files"
    # Files read from disk (pre-commit --all-files) are edited, not unstaged.
    kind = "files" if from_disk and not todo else "staged"
    report = Report(scope, findings, stats, new_files=new_files, max_size=cfg.max_file_size, kind=kind,
                    credential_files=_credential_files(findings, cfg))  # fmt: skip
    return emit(_staged_baseline(report, cfg, top, all_changes, scanner, state.head), fmt, verbose, out, err)


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
    from credgate.commands.history import credential_files

    return credential_files(blocking, cfg)


@click.command("secrets", cls=PathsCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--all-lines", is_flag=True, help="Block on any finding in a staged file, not only on added lines."
)
@scan_options
@click.pass_context
def command(
    ctx: click.Context,
    paths: tuple[str, ...],
    all_lines: bool,
    fmt: str,
    verbose: bool,
    config_path: str | None,
) -> None:
    """Scan staged changes (the git index) and fail if they add a secret.

    With PATHS (as pre-commit passes them), staged files among them are scanned
    from the index and any others from disk.
    """
    ctx.exit(run(paths, all_lines=all_lines, fmt=fmt, verbose=verbose, config_path=config_path))
