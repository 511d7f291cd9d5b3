"""What a scan adds to a baseline, and which findings a baseline accepts (work tree, ranges, history)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable, Sequence

from credgate.baseline.keys import _pbkdf2, value_key
from credgate.baseline.renames import Renames
from credgate.baseline.store import Baseline, Entry, _norm
from credgate.engine.finding import Finding

Reader = Callable[[Finding], "bytes | None"]  # the content a finding was found in, for place keys


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
    # Raw names: output/text.py escapes every note where it prints it.
    return (
        f"credgate: warning: {path}: the baseline entry for this {rule} value was committed "
        f"before the value was ever at {entry_path}; an entry cannot approve a value in advance, so "
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
    # Raw names: output/text.py escapes every note where it prints it.
    return (
        f"credgate: warning: {source} adds an entry for {e.path} ({e.rule}) whose value is "
        f"not in {e.path} {where}: it accepts nothing (entries bind to their path); remove it"
    )
