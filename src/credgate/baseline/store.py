"""Entries and the `.credgate-baseline.jsonl` file: reading (union merges, conflicts, the old JSON
format), matching a finding to an entry, and writing it back sorted."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from credgate.baseline.keys import _pbkdf2, value_key
from credgate.engine.finding import Finding
from credgate.errors import UsageError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Callable, Iterable

    from credgate.baseline.renames import Renames

BASELINE_NAME = ".credgate-baseline.jsonl"
LEGACY_NAME = ".credgate-baseline.json"
LEGACY_VERSION = 1
HEADER = (
    "# credgate baseline: one accepted finding per line (path, rule, fingerprint); no secret is stored.\n"
    "# Review additions like code. `credgate baseline --add` adds new findings; see the README.\n"
)
ATTRIBUTE = "merge=union"
MAX_SIZE = 16 * 1024 * 1024  # about 150,000 entries
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@dataclass(frozen=True, order=True)
class Entry:
    """One accepted finding: bound to its path, rule and value key."""

    path: str
    rule: str
    key: str
    reason: str = field(default="", compare=False)  # a reviewer's note, kept when the file is rewritten

    def line(self) -> str:
        doc = {"path": self.path, "rule": self.rule, "fingerprint": self.key}
        if self.reason:
            doc["reason"] = self.reason
        # ensure_ascii: a non-UTF-8 path (a surrogate escape) round-trips and the file stays ASCII.
        return json.dumps(doc, ensure_ascii=True)


@dataclass
class Baseline:
    """A baseline file's entries, indexed by path and rule."""

    source: str
    entries: set[Entry] = field(default_factory=set)
    legacy: bool = False  # read from the old JSON document (version 1)

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str], set[str]] = {}
        for e in self.entries:
            self._index.setdefault((e.path, e.rule), set()).add(e.key)

    def add(self, entry: Entry) -> bool:
        if entry in self.entries:
            return False
        self.entries.add(entry)
        self._index.setdefault((entry.path, entry.rule), set()).add(entry.key)
        return True

    def keys_at(self, paths: Iterable[str], rule: str) -> set[str]:
        out: set[str] = set()
        for p in paths:
            out |= self._index.get((p, rule), set())
        return out

    def match(
        self, finding: Finding, path: str, aliases: Renames, context: Callable[[], bytes | None]
    ) -> Entry | None:
        """The entry that accepts the finding at `path` (its own path first, else one git's rename
        detection links to it), or None."""
        candidates = sorted(aliases.of(path), key=lambda p: p != path)  # its own path first
        wanted = self.keys_at(candidates, finding.rule_id)
        if not wanted:
            return None
        key = value_key(finding, context)
        if key is None or key not in wanted:
            # An entry written before low-entropy values got place keys (or by hand) holds the value's hash.
            legacy = "v1:" + _pbkdf2(finding.rule_id, finding.secret)
            key = legacy if any(k.startswith("v1:") for k in wanted) and legacy in wanted else None
        if key is None:
            return None
        where = next(p for p in candidates if key in self._index.get((p, finding.rule_id), set()))
        return Entry(where, finding.rule_id, key)


def fix_hint(path: str) -> str:
    return f"regenerate it with `credgate baseline --output {path}` or fix the line by hand"


def load(path: str) -> Baseline:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SIZE + 1)  # bounded: a link to /dev/zero must not hang every commit
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the baseline: {exc.strerror}", fix_hint(path)) from None
    if len(data) > MAX_SIZE:
        raise UsageError(
            f"{path}: the baseline is over {MAX_SIZE // (1024 * 1024)} MiB, so it is not read",
            "point `baseline` in .credgate.toml at the real baseline file, or prune it "
            "(`credgate baseline --prune`)",
        )
    return load_text(data, path)


def conflict_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n"), 1) if line.startswith(_CONFLICT_MARKERS)]


def resolve_hint(source: str) -> str:
    return (
        f"every line of {source} is one independent entry: keep the lines of both sides, delete the "
        "<<<<<<< ======= >>>>>>> marker lines, check the additions, then `git add` it. "
        f"A `{os.path.basename(source)} {ATTRIBUTE}` line in .gitattributes (written by `credgate baseline`) "
        "avoids the conflict"
    )


def load_text(text: str | bytes, source: str) -> Baseline:
    """Parse a baseline from its content: a file, or a git blob (`source` names it in messages)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{source}: the baseline is not UTF-8", fix_hint(source)) from None
    marked = conflict_lines(text)
    if marked:
        raise UsageError(
            f"{source}: the baseline has merge conflict markers (line {marked[0]}), so it is not read",
            resolve_hint(source),
        )
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and "entries" in doc:
            return _load_legacy(doc, source)
    baseline = Baseline(source)
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{source}: line {n} is not a JSON entry ({exc})", fix_hint(source)) from None
        if not (
            isinstance(item, dict)
            and all(isinstance(item.get(k), str) and item.get(k) for k in ("path", "rule", "fingerprint"))
            and _valid_key(item["fingerprint"])
        ):
            raise UsageError(
                f'{source}: line {n} needs "path", "rule" and a "fingerprint" (v1: or p1: and 32 hex digits)',
                fix_hint(source),
            )
        reason = item.get("reason", "")
        if not isinstance(reason, str):
            raise UsageError(f'{source}: line {n}: "reason" must be a string', fix_hint(source))
        baseline.add(Entry(_norm(item["path"]), item["rule"], item["fingerprint"], reason))
    return baseline


def _valid_key(key: str) -> bool:
    kind, _, digest = key.partition(":")
    return kind in ("v1", "p1") and len(digest) == 32 and all(c in "0123456789abcdef" for c in digest)


def _norm(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/") if path else path


def _load_legacy(doc: dict[str, object], source: str) -> Baseline:
    entries = doc.get("entries")
    if doc.get("version") != LEGACY_VERSION or not isinstance(entries, list):
        raise UsageError(
            f'{source}: not a credgate baseline (version {LEGACY_VERSION} with an "entries" list)',
            fix_hint(source),
        )
    baseline = Baseline(source, legacy=True)
    for i, entry in enumerate(entries, 1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("rule"), str)
            and isinstance(entry.get("fingerprint"), str)
            and len(entry["fingerprint"]) == 32
        ):
            raise UsageError(
                f"{source}: entry {i} needs a rule id and a 32-character fingerprint", fix_hint(source)
            )
        # Version 1 matched by value anywhere; its path, kept "for readers", now binds the entry.
        path = entry.get("path")
        if isinstance(path, str) and path:
            baseline.add(Entry(_norm(path), entry["rule"], "v1:" + entry["fingerprint"].lower()))
    return baseline


def legacy_message(baseline: Baseline) -> str:
    return (
        f"credgate: {baseline.source} is an old-format baseline: each entry now accepts its finding only "
        "at the path it names. Run `credgate baseline` to convert it (it prints what it converts)."
    )


def render(entries: Iterable[Entry]) -> str:
    """The file's bytes: the header, then one entry per line, sorted, each once."""
    return HEADER + "".join(line + "\n" for line in sorted({e.line() for e in entries}))


def added_entries(old: Baseline | None, new: Baseline) -> list[str]:
    """What `new` accepts that `old` did not, one description per entry (no secret in it)."""
    before = old.entries if old is not None else set()
    return [f"{e.rule} in {e.path or '(no path)'}" for e in sorted(new.entries - before)]
