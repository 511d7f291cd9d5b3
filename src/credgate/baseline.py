"""The baseline: findings a team has reviewed and accepted, each bound to its path, rule and value.

File format (`.credgate-baseline.jsonl`): one JSON object per line, sorted, no dates and no line
numbers, so regenerating it over unchanged code gives the same bytes and two branches that each
accept a finding merge cleanly under the `merge=union` attribute `credgate baseline` writes::

    # credgate baseline: ...
    {"path": "deploy/settings.env", "rule": "github-pat", "fingerprint": "v1:<32 hex>"}
    {"path": "tests/db.env", "rule": "generic-password-assignment", "fingerprint": "p1:...", "reason": "..."}

An entry accepts a finding only at its own path (or at a path git's rename detection says that
file was moved to since the baseline last changed), under its own rule, with its own key. So a
value copied into a new file blocks, and an entry cannot approve a secret somewhere else: the
key is computable by anyone who holds the value, the path binding is what makes it safe.

The key comes from ONE function, `value_key`: a salted PBKDF2 of the value (`v1:`) when the
value has enough entropy that the slow hash cannot be reversed by a dictionary, and for a
low-entropy value (a weak password, which a dictionary would find) a key derived from its place
only (`p1:`: the rule and the text before the value on its line), so the public file publishes
nothing derived from it. Lines can move; a weak password edited in place keeps its entry.

The loader accepts what a union merge produces (duplicate lines, any order), refuses a file
with conflict markers, and still reads the old single-document JSON baseline (version 1), whose
entries are bound to the path they name, with a message asking to convert it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterable, Sequence

from credgate.engine.finding import Finding
from credgate.errors import UsageError

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

Reader = Callable[[Finding], "bytes | None"]  # the content a finding was found in, for place keys


# ---------------------------------------------------------------- the key (one function, swappable)


def is_low_entropy(secret: bytes) -> bool:
    """Whether a dictionary could find this value from a hash of it, however slow the hash: the
    same test SARIF fingerprints use (`credgate.fingerprint.guessable`), so no public file of
    credgate's carries a reversible hash of a weak password."""
    from credgate.fingerprint import guessable

    return guessable(secret)


def _pbkdf2(rule: str, secret: bytes) -> str:
    # The same derivation as Finding.fingerprint() in version 1, so old baselines keep matching.
    salt = b"credgate-fp-v1:" + rule.encode()
    import hashlib  # not at import: loading OpenSSL costs every commit a few ms, and most never get here

    return hashlib.pbkdf2_hmac("sha256", secret, salt, 20_000)[:16].hex()


def place_context(data: bytes, line: int, secret: bytes) -> bytes:
    """What stands before the value on its line (`DB_PASSWORD=`), up to 64 bytes, stripped.

    Not the rest of the line: anything after the value could be another value. Line numbers
    are only a hint for which occurrence to take; they never enter the key.
    """
    lines = data.split(b"\n")
    order = [line - 1] if 0 < line <= len(lines) else []
    for i in order + list(range(len(lines))):
        at = lines[i].find(secret) if secret else -1
        if at != -1:
            return lines[i][:at].strip()[-64:].strip()
    return b""


def value_key(finding: Finding, context: Callable[[], bytes | None]) -> str | None:
    """THE key a baseline stores for a finding's value; None when it cannot be computed.

    `context()` returns the content the finding was read from; it is only called for a
    low-entropy value, whose key is bound to its place instead of its value.
    """
    if not is_low_entropy(finding.secret):
        return "v1:" + _pbkdf2(finding.rule_id, finding.secret)
    data = context()
    if data is None:
        return None  # cannot tell where it sits: it does not match, so it blocks
    where = place_context(data, finding.line, finding.secret)
    import hashlib

    digest = hashlib.sha256(b"credgate-place-v1\0" + finding.rule_id.encode() + b"\0" + where)
    return "p1:" + digest.hexdigest()[:32]


# ---------------------------------------------------------------- entries and the file


@dataclass(frozen=True, order=True)
class Entry:
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


# ---------------------------------------------------------------- renames and the judged history


class Renames:
    """Paths git's rename detection links (a -> b -> c): an entry at any of them covers the others."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._parent: dict[str, str] = {}
        for old, new in pairs:
            self.link(old, new)

    def _find(self, p: str) -> str:
        while self._parent.get(p, p) != p:
            p = self._parent[p]
        return p

    def link(self, old: str, new: str) -> None:
        a, b = self._find(_norm(old)), self._find(_norm(new))
        if a != b:
            self._parent[a] = b
            self._parent.setdefault(b, b)

    def of(self, path: str) -> set[str]:
        path = _norm(path)
        if path not in self._parent:
            return {path}
        root = self._find(path)
        return {p for p in self._parent if self._find(p) == root} | {path}


def rename_links(
    baseline: Baseline,
    baseline_path: str | None,
    tip: str,
    root: str | None,
    extra: Iterable[tuple[str, str]] = (),
    work_tree: bool = False,
) -> Renames:
    """Paths git's rename detection links, for entries whose file is gone from where they say.

    Only renames since the baseline file was created matter (entries name the paths of their
    day), and only when some entry's path no longer exists, so the common run asks git nothing.
    Renames that merges bring in are seen in the merged branch's own commits.
    """
    from credgate import gitio

    pairs = list(extra)
    if not baseline.entries or not baseline_path:
        return Renames(pairs)
    if work_tree and root:
        orphans = any(not os.path.lexists(os.path.join(root, e.path)) for e in baseline.entries)
    else:
        present = gitio.tree_paths(tip, cwd=root)
        orphans = any(e.path not in present for e in baseline.entries)
    if not orphans:
        return Renames(pairs)
    rel = os.path.relpath(baseline_path, root) if root and os.path.isabs(baseline_path) else baseline_path
    created = (
        None if rel.startswith("..") else gitio.first_commit_adding(rel.replace(os.sep, "/"), tip, cwd=root)
    )
    if created:
        pairs += gitio.renames_between(created, tip, cwd=root)
    if work_tree:
        pairs += gitio.work_tree_renames(root)  # a `git mv` not yet committed
    return Renames(pairs)


# ---------------------------------------------------------------- what a scan adds to a baseline


@dataclass
class Addition:
    entry: Entry
    finding: Finding


def entries_for(
    findings: Sequence[Finding], root: str, read: Reader, from_cwd: bool = False
) -> list[Addition]:
    """Entries for the blocking findings (notices never block, so there is nothing to accept)."""
    out: dict[Entry, Addition] = {}
    for f in findings:
        if not f.blocking:
            continue
        key = value_key(f, partial(read, f))
        if key is None:
            continue
        entry = Entry(rel_path(f.path, root, from_cwd), f.rule_id, key)
        out.setdefault(entry, Addition(entry, f))
    return sorted(out.values(), key=lambda a: a.entry)


def history_views(f: Finding) -> list[Finding]:
    """A history finding once per path it appeared in, each read where its place can be seen:
    at HEAD when HEAD still holds it there, else at the commit that introduced it."""
    from dataclasses import replace

    extra = dict(f.extra)
    paths = extra.get("paths")
    head = extra.get("head_paths")
    head_paths = {str(p) for p in head} if isinstance(head, list) else set()
    if not isinstance(paths, list) or not paths:
        return [f]
    return [replace(f, path=str(p), commit="HEAD" if p in head_paths else f.commit) for p in paths]


def history_reader(read: Reader) -> Reader:
    """For history: a path whose content at the recorded commit cannot be read (the value came in
    there by a commit not recorded) gets an empty place, the same when accepting and judging."""

    def wrapped(f: Finding) -> bytes | None:
        data = read(f)
        return data if data is not None else b""

    return wrapped


def allowed_inline(data: bytes, secret: bytes, rule: object, path: str) -> bool:
    """Whether every occurrence of the value in data sits on a line an allow marker covers."""
    from credgate.engine.filters import Candidate, is_inline_allowed

    at = data.find(secret) if secret else -1
    if at == -1:
        return False
    seen = 0
    while at != -1 and seen < 1000:  # bounded: a value repeated more than this is judged on the first ones
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end
        prev_start = data.rfind(b"\n", 0, max(start - 1, 0)) + 1 if start else 0
        prev = data[prev_start : start - 1] if start else b""
        c = Candidate(rule=rule, secret=secret, line=data[start:end], prev_line=prev, path=path)  # type: ignore[arg-type]
        if not is_inline_allowed(c):
            return False
        seen += 1
        at = data.find(secret, end)
    return True


def judge_history(
    findings: Sequence[Finding],
    baseline: Baseline | None,
    renames: Renames,
    read: Reader,
    allowed: Callable[[Finding], bool],
) -> tuple[list[Finding], list[Finding], int, int]:
    """(kept, accepted, by baseline, by marker): a history finding is accepted when every path it
    appeared in is covered, by a baseline entry for that path or by an allow marker on the line
    that holds the value at HEAD in that path."""
    from dataclasses import replace

    kept, accepted = [], []
    by_baseline = by_marker = 0
    for f in findings:
        how = set()
        for view in history_views(f):
            if baseline is not None and baseline.match(view, _norm(view.path), renames, partial(read, view)):
                how.add("baseline")
            elif allowed(view):
                how.add("allow-marker-at-head")
            else:
                how = set()
                break
        if not how:
            kept.append(f)
            continue
        label = (
            "baseline"
            if how == {"baseline"}
            else "allow-marker-at-head"
            if len(how) == 1
            else "baseline+allow-marker-at-head"
        )
        accepted.append(replace(f, extra=f.extra + (("accepted_by", label),)))
        if "baseline" in how:
            by_baseline += 1
        else:
            by_marker += 1
    return kept, accepted, by_baseline, by_marker


def rel_path(path: str, root: str, from_cwd: bool = False) -> str:
    """A finding's path as the baseline stores it: relative to the repository root, with `/`.

    Paths from git are relative to the root already; `credgate scan` reports them as given,
    relative to the current directory (`from_cwd`).
    """
    if os.path.isabs(path) or from_cwd:
        path = os.path.relpath(os.path.abspath(path), root)
    return _norm(path)


def make_reader(root: str, max_size: int, prefer_index: bool = False, from_cwd: bool = False) -> Reader:
    """Where a finding's content is read back from: its commit, the index, or the work tree."""
    from credgate import gitio

    cache: dict[tuple[str, str], bytes | None] = {}

    def read(f: Finding) -> bytes | None:
        path = rel_path(f.path, root, from_cwd)
        where = f.commit or (":" if prefer_index else "")
        if (where, path) not in cache:
            data = None
            if where:
                data = gitio.blob_text("" if where == ":" else where, path, max_size, cwd=root)
            if data is None and not f.commit:
                full = os.path.join(root, path)
                try:
                    if os.path.getsize(full) <= max_size and not os.path.islink(full):
                        with open(full, "rb") as fh:
                            data = fh.read()
                except OSError:
                    data = None
            cache[(where, path)] = data
        return cache[(where, path)]

    return read


Verify = Callable[[Finding, str, Entry], bool]  # (finding, its path, the entry that matched)


def judge(
    findings: Sequence[Finding],
    baseline: Baseline,
    root: str,
    renames: Renames,
    read: Reader,
    from_cwd: bool = False,
    verify: Verify | None = None,
    notes: list[str] | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """(kept, accepted): accepted findings carry `accepted_by` for machine output.

    `verify` can refuse a matching entry (one committed before its value was ever at its
    path); the finding then stays, and a note says why.
    """
    from dataclasses import replace

    kept, accepted = [], []
    for f in findings:
        path = rel_path(f.path, root, from_cwd)
        entry = baseline.match(f, path, renames, partial(read, f)) if f.blocking else None
        if entry is not None and verify is not None and not verify(f, path, entry):
            if notes is not None:
                notes.append(_in_advance(path, f.rule_id, entry.path))
            entry = None
        if entry is not None:
            accepted.append(replace(f, extra=f.extra + (("accepted_by", "baseline"),)))
        else:
            kept.append(f)
    return kept, accepted


def _in_advance(path: str, rule: str, entry_path: str) -> str:
    from credgate.report import safe

    return (
        f"credgate: warning: {safe(path)}: the baseline entry for this {safe(rule)} value was committed "
        f"before the value was ever at {safe(entry_path)}; an entry cannot approve a value in advance, so "
        "it does not count. Remove that line and commit, then stage the file and accept it with "
        "`credgate baseline --add` (one reviewed commit)"
    )


def value_was_at(paths: Iterable[str], secret: bytes, rev: str, root: str | None, max_size: int) -> bool:
    """Whether the value sat in one of these paths anywhere in rev's history (rev included)."""
    from credgate import gitio

    wanted = sorted({_norm(p) for p in paths})
    for p in wanted:  # the common case, a line edited near a known value: rev itself has it there
        data = gitio.blob_text(rev, p, max_size, cwd=root)
        if data is not None and secret in data:
            return True
    shas = gitio.path_blobs(rev, wanted, cwd=root)
    return any(b.data is not None and secret in b.data for b in gitio.read_blobs(shas, max_size, cwd=root))


def committed_before(old: set[Entry], rev: str, root: str | None, max_size: int) -> Verify:
    """An entry already in `old` (the baseline as committed at rev) counts only if its value was
    at its path (or the finding's) in rev's history: it cannot have been written in advance.
    An entry the change itself adds is checked by `unverified` instead."""

    def verify(f: Finding, path: str, entry: Entry) -> bool:
        if entry not in old:
            return True
        return value_was_at((entry.path, path), f.secret, rev, root, max_size)

    return verify


def _same(data: bytes | None) -> bytes | None:
    return data


def unverified(
    added: Iterable[Entry],
    read_path: Callable[[str], bytes | None],
    scan: Callable[[bytes, str], list[Finding]],
) -> list[Entry]:
    """New entries whose value is not at their path in the content being judged.

    Such an entry accepts nothing (entries are bound to their path), and is reported: it is
    either stale or an attempt to approve a value that sits somewhere else.
    """
    bad = []
    for e in sorted(added):
        data = read_path(e.path)
        found = scan(data, e.path) if data is not None else []
        ok = any(f.rule_id == e.rule and value_key(f, partial(_same, data)) == e.key for f in found) or any(
            f.rule_id == e.rule and e.key == "v1:" + _pbkdf2(f.rule_id, f.secret) for f in found
        )
        if not ok:
            bad.append(e)
    return bad


def unverified_message(e: Entry, source: str, where: str) -> str:
    from credgate.report import safe

    return (
        f"credgate: warning: {safe(source)} adds an entry for {safe(e.path)} ({safe(e.rule)}) whose value is "
        f"not in {safe(e.path)} {where}: it accepts nothing (entries bind to their path); remove it"
    )


# ---------------------------------------------------------------- detect-secrets migration


def detect_secrets_hashes(path: str) -> dict[str, set[str]]:
    """The hashed secrets of a detect-secrets baseline, by file, leaving out those audited as real.

    Read with detect-secrets' own loader, so a file it would reject is rejected here too.
    """
    from detect_secrets.core import baseline as ds_baseline

    fix = "point --from-detect-secrets at the .secrets.baseline that `detect-secrets scan` wrote"
    try:
        doc = ds_baseline.load_from_file(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the detect-secrets baseline: {exc}", fix) from None
    except Exception as exc:  # detect-secrets raises its own error types for bad baselines
        raise UsageError(f"{path}: not a detect-secrets baseline ({type(exc).__name__})", fix) from None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, dict):
        raise UsageError(f'{path}: not a detect-secrets baseline (no "results")', fix)
    hashes: dict[str, set[str]] = {}
    for filename, items in results.items():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("is_secret") is not True and "hashed_secret" in item:
                hashes.setdefault(_norm(filename), set()).add(str(item["hashed_secret"]))
    return hashes


def detect_secrets_hash(secret: bytes) -> str:
    """The hash detect-secrets stores for a value (its PotentialSecret.hash_secret)."""
    from detect_secrets.core.potential_secret import PotentialSecret

    return str(PotentialSecret.hash_secret(secret.decode("utf-8", "replace")))


def added_entries(old: Baseline | None, new: Baseline) -> list[str]:
    """What `new` accepts that `old` did not, one description per entry (no secret in it)."""
    before = old.entries if old is not None else set()
    return [f"{e.rule} in {e.path or '(no path)'}" for e in sorted(new.entries - before)]
