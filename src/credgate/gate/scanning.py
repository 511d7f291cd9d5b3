"""Scanning into a report: building the scanner, reading a file (from disk or as a blob), keeping the
findings on the lines a change adds, files over max-file-size, and the baseline.

Every gate scans through these functions, so "what counts" is decided once. `scan_file()` scans one
file into its own `FileScan` without touching anything shared: a caller can run it anywhere (a worker
process) and merge the results in order.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace

from credgate import config as config_mod
from credgate import gitio, policy
from credgate.engine.finding import Finding
from credgate.engine.rules import EmptyRuleSet, RuleError, load
from credgate.engine.scanner import Scanner, ScanResult
from credgate.engine.stream import WINDOW
from credgate.errors import InternalError, UsageError
from credgate.gate.report import Report, Stats, human_size

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import BinaryIO, Callable, Iterator, Sequence

    from credgate import baseline as baseline_mod

TOO_LARGE_RULE = "file-too-large"
ALLOWED_LARGE = "over max-file-size and not scanned; allow-large in .credgate.toml accepts this path"
STREAM_ABOVE = WINDOW  # larger files are read and scanned a window at a time
CHUNK = 1 << 20


def cache_dir() -> str | None:
    """Where parsed rules are cached: $CREDGATE_CACHE_DIR, else the XDG cache ("" disables)."""
    explicit = os.environ.get("CREDGATE_CACHE_DIR")
    if explicit is not None:
        return explicit or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "credgate")


def build_scanner(cfg: config_mod.Config) -> Scanner:
    try:
        ruleset = load(cfg.rule_files, cache_dir())
        if cfg.disable_rules:
            ruleset = ruleset.without(cfg.disable_rules)
        if not any(rule.visible for rule in ruleset.rules):
            raise RuleError("disable-rules leaves no rule to scan with, so every scan would pass")
        # Custom rules are compiled now, so a broken one is a config error, not a mid-scan crash.
        for path in cfg.rule_files:
            for rule in ruleset.rules:
                if rule.origin == os.path.basename(path):
                    rule.secret_groups  # noqa: B018
    except RuleError as exc:
        where = cfg.path or "the rule files"
        raise UsageError(str(exc), f"fix the rule or its entry in {where}") from None
    except EmptyRuleSet as exc:
        raise InternalError(str(exc), "reinstall credgate: its rules/ folder is missing or empty") from None
    return Scanner(ruleset, notices=cfg.notices, allow_values=tuple(p.encode() for p in cfg.allow_values))


def apply_baseline(
    report: Report,
    cfg: config_mod.Config,
    *,
    root: str | None = None,
    tip: str = "HEAD",
    renames: Sequence[tuple[str, str]] = (),
    from_cwd: bool = False,
    prefer_index: bool = False,
    work_tree_renames: bool = False,
    loaded: baseline_mod.Baseline | None = None,
    verify: baseline_mod.Verify | None = None,
) -> Report:
    """Move the findings the repository's baseline accepts out of the report, and count them.

    An entry accepts a finding at its own path, or where git's rename detection followed that
    file since the baseline last changed (up to `tip`), plus the given `renames` (staged ones).
    Files over max-file-size that `allow-large` lists are accepted here too (as notices).
    """
    report = accept_large(report, cfg)
    if not (cfg.baseline or loaded) or not report.findings:
        return report
    from credgate import baseline

    accepted = loaded or baseline.load(cfg.baseline or "")
    if accepted.legacy:
        report.notes.append(baseline.legacy_message(accepted))
    if root is None:
        try:
            root = gitio.toplevel()
        except UsageError:
            root = os.getcwd()
    links = baseline.rename_links(accepted, cfg.baseline, tip, root, renames, work_tree=work_tree_renames)
    read = baseline.make_reader(root, cfg.max_file_size, prefer_index=prefer_index, from_cwd=from_cwd)
    kept, moved = baseline.judge(report.findings, accepted, root, links, read, from_cwd, verify, report.notes)
    report.stats.baselined += len(moved)
    report.findings = kept
    report.accepted.extend(moved)
    return report


def read_disk(path: str, max_size: int, stats: Stats, display: str) -> bytes | None:
    """A file's bytes as on disk; a symlink is scanned as its target path, never followed.

    A FIFO, socket or device is never opened for reading (it could block or never end): it is
    recorded in stats.skipped.
    """
    try:
        if os.path.islink(path):
            return os.fsencode(os.readlink(path))
        fd = _open_regular(path, display, stats)
        if fd is None:
            return None
        with os.fdopen(fd, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_size:
                stats.too_large.append((display, size))
                return None
            return fh.read(size)
    except OSError:
        stats.unreadable.append(display)
        return None


def _open_regular(path: str, display: str, stats: Stats) -> int | None:
    """A read-only descriptor on a regular file, or None (recorded as skipped) for anything else.

    O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        return fd
    os.close(fd)
    what = (
        "a directory (a submodule or nested repository: scan it on its own)" if stat.S_ISDIR(mode)
        else "a FIFO" if stat.S_ISFIFO(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )  # fmt: skip
    stats.skipped.append((display, what))
    return None


@dataclass
class Content:
    """One file's content as a gate reads it: whole, as chunks, or not at all (over the limit)."""

    size: int
    data: bytes | None = None
    chunks: Iterator[bytes] | None = None
    ident: bytes = b""  # identifies the content for a too-large finding (the blob id, or size and path)


def open_disk(path: str, max_size: int, stats: Stats, display: str) -> Content | None:
    """A file on disk, read whole when small, as chunks when large, not at all over max_size.

    None when it was skipped (not a regular file) or unreadable (both recorded in stats).
    """
    try:
        if os.path.islink(path):
            target = os.fsencode(os.readlink(path))
            return Content(len(target), data=target)
        fd = _open_regular(path, display, stats)
        if fd is None:
            return None
        fh = os.fdopen(fd, "rb")
        size = os.fstat(fh.fileno()).st_size
        ident = f"size {size} at {display}".encode("utf-8", "surrogateescape")
        if size > max_size:
            fh.close()
            return Content(size, ident=ident)
        if size <= STREAM_ABOVE:
            with fh:
                return Content(size, data=fh.read(size), ident=ident)
        return Content(size, chunks=_file_chunks(fh, size, display, stats), ident=ident)
    except OSError:
        stats.unreadable.append(display)
        return None


def _file_chunks(fh: BinaryIO, size: int, display: str, stats: Stats) -> Iterator[bytes]:
    # Bounded by the size seen when opened: a file that keeps growing (a log) cannot keep the scan going.
    with fh:
        left = size
        while left > 0:
            try:
                chunk = fh.read(min(CHUNK, left))
            except OSError:
                stats.unreadable.append(display)
                return
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def scan_counted(scanner: Scanner, data: bytes, display: str, stats: Stats) -> ScanResult:
    """Scan one file's bytes and account for them, so a report can say what it covered."""
    result = scanner.scan(data, display)
    stats.files += 1
    stats.bytes += len(data)
    stats.suppressed += len(result.suppressed)
    if result.kind == "binary":
        stats.binary.append(display)
    return result


def touches(f: Finding, added: set[int] | None, all_added: bool, kind: str) -> bool:
    """Whether a finding lies on lines a change adds (None: the whole file counts as added)."""
    if added is None or all_added:
        return True
    if f.rule_id == TOO_LARGE_RULE:
        return bool(added)  # a file too large to read hides whatever it adds (a pure rename adds nothing)
    if kind == "utf-16":
        # UTF-16 line numbers do not map onto git's byte-level diff: any added line counts.
        return bool(added)
    return not added.isdisjoint(range(f.line, f.end_line + 1))


def scan_into(
    scanner: Scanner,
    data: bytes,
    display: str,
    added: set[int] | None,
    all_lines: bool,
    stats: Stats,
    findings: list[Finding],
) -> None:
    """Scan and keep the findings on added lines; count the others as not blocking."""
    stale = policy.stale_next_line_markers(policy.next_line_marker_lines(data), added) if added else set()
    result = scan_counted(scanner, policy.disarm_next_line_markers(data, stale), display, stats)
    _keep(result, added, all_lines, stats, findings)


def _keep(
    result: ScanResult, added: set[int] | None, all_lines: bool, stats: Stats, findings: list[Finding]
) -> None:
    for f in result.findings:
        if touches(f, added, all_lines, result.kind):
            findings.append(f)
        else:
            stats.not_blocking += 1
    stats.inline_allowed += [f for f in result.allowed if touches(f, added, all_lines, result.kind)]


def scan_content_into(
    scanner: Scanner,
    content: Content,
    display: str,
    added: set[int] | None,
    all_lines: bool,
    stats: Stats,
    findings: list[Finding],
    max_size: int,
) -> None:
    """scan_into() for any size: whole, streamed in windows, or a blocking finding over max_size."""
    if content.data is not None:
        scan_into(scanner, content.data, display, added, all_lines, stats, findings)
    elif content.chunks is not None:
        _keep(scan_chunks(scanner, content.chunks, content.size, display, added, stats), added, all_lines,
              stats, findings)  # fmt: skip
    else:
        finding = too_large_finding(display, content.size, max_size, content.ident)
        if touches(finding, added, all_lines, "text"):
            findings.append(finding)
        else:
            stats.not_blocking += 1


@dataclass
class FileScan:
    """What scanning one file gave: the findings that count, and the file's own counts and warnings."""

    findings: list[Finding] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)

    def merge_into(self, stats: Stats, findings: list[Finding]) -> None:
        stats.merge(self.stats)
        findings.extend(self.findings)


def scan_file(
    scanner: Scanner,
    content: Content,
    display: str,
    added: set[int] | None,
    all_lines: bool,
    max_size: int,
    stats: Stats | None = None,
) -> FileScan:
    """One file, scanned into its own FileScan: nothing shared is read or written.

    `stats` is the Stats `content` was opened with (open_disk records a read error of a large
    file's chunks there while they are scanned); a fresh one by default.
    """
    result = FileScan(stats=stats if stats is not None else Stats())
    scan_content_into(scanner, content, display, added, all_lines, result.stats, result.findings, max_size)
    return result


def scan_chunks(
    scanner: Scanner,
    chunks: Iterator[bytes],
    size: int,
    display: str,
    added: set[int] | None,
    stats: Stats,
    markers_out: set[int] | None = None,
) -> ScanResult:
    """A large file, a window at a time (engine.stream), with stale next-line markers disarmed.

    markers_out, when given, collects the lines that hold a next-line marker.
    """
    from credgate.engine.stream import scan_stream

    def disarm(body: bytes, first_line: int) -> bytes:
        markers = policy.next_line_marker_lines(body, first_line)
        if markers_out is not None:
            markers_out.update(markers)
        stale = policy.stale_next_line_markers(markers, added) if added else set()
        return policy.disarm_next_line_markers(body, stale, first_line)

    result = scan_stream(scanner, chunks, display, transform=disarm)
    stats.files += 1
    stats.bytes += size
    stats.suppressed += len(result.suppressed)
    if result.kind == "binary":
        stats.binary.append(display)
    return result


def too_large_finding(display: str, size: int, limit: int, ident: bytes) -> Finding:
    """A file over max-file-size was not read, so it could hide anything: it blocks, by name.

    Its "secret" is what identifies the content (the blob id), so a baseline entry or a
    fingerprint matches this content only.
    """
    return Finding(
        rule_id=TOO_LARGE_RULE,
        rule_name="file too large to scan",
        severity="high",
        confidence="high",
        path=display,
        line=1,
        col=1,
        end_line=1,
        hint=(
            f"{human_size(size)} is over the {human_size(limit)} max-file-size, so it was not scanned and "
            "could hide a secret. Keep it out of git (Git LFS, an artifact store), split it, raise "
            'max-file-size, or have a reviewer accept this path: allow-large = ["PATH"] in .credgate.toml.'
        ),
        url="",
        secret=ident or b"unknown",
        note=f"not scanned: {human_size(size)} over the {human_size(limit)} limit",
    )


def accept_large(report: Report, cfg: config_mod.Config) -> Report:
    """Too-large findings on paths `allow-large` lists become notices: reviewed, not scanned."""
    if not cfg.allow_large:
        return report
    report.findings = [
        replace(f, advisory=ALLOWED_LARGE)
        if f.rule_id == TOO_LARGE_RULE and not f.advisory and cfg.is_allowed_large(f.path)
        else f
        for f in report.findings
    ]
    return report


@dataclass
class BlobScan:
    """One blob's findings, kept for every path and commit that holds the same blob."""

    findings: list[Finding]
    kind: str
    markers: set[int]  # lines with a next-line allow marker


def added_findings(
    scanner: Scanner,
    reader: gitio.BlobReader,
    cache: dict[tuple[str, bytes], BlobScan],
    change: gitio.Change,
    display: str,
    stats: Stats,
    also: Callable[[Finding], bool] | None = None,
) -> list[Finding]:
    """The findings on the lines one change adds (or that `also` keeps), its blob read through a
    long-lived reader.

    Shared by the range gates: each blob is scanned once (streamed when large; over the
    reader's max_size it is one blocking finding), and scanned again only for a change that
    adds a line under a next-line marker the change does not add.
    """
    added = None if change.all_added else change.added
    key = (change.new_sha, change.path)  # the path decides too (example names, tests, dotenv rules)
    scan = cache.get(key)
    if scan is None:
        scan = cache[key] = _scan_blob(scanner, reader, change.new_sha, display, stats, None)
    if added and policy.stale_next_line_markers(scan.markers, added):
        scan = _scan_blob(scanner, reader, change.new_sha, display, Stats(), added)
    return [
        f
        for f in scan.findings
        if touches(f, change.added, change.all_added, scan.kind) or (also is not None and also(f))
    ]


def _scan_blob(
    scanner: Scanner,
    reader: gitio.BlobReader,
    sha: str,
    display: str,
    stats: Stats,
    added: set[int] | None,
) -> BlobScan:
    blob = reader.read_stream(sha, WINDOW, CHUNK)
    if blob.data is not None:
        markers = policy.next_line_marker_lines(blob.data)
        stale = policy.stale_next_line_markers(markers, added)
        result = scan_counted(scanner, policy.disarm_next_line_markers(blob.data, stale), display, stats)
        return BlobScan(result.findings, result.kind, markers)
    if blob.chunks is None:
        finding = too_large_finding(display, blob.size, reader.max_size, sha.encode())
        return BlobScan([finding], "text", set())
    seen: set[int] = set()
    result = scan_chunks(scanner, blob.chunks, blob.size, display, added, stats, seen)
    return BlobScan(result.findings, result.kind, seen)
