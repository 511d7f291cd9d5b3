"""The baseline: findings a team has looked at and accepted, keyed on the secret, never on its line.

A baseline entry is a rule id plus the finding's fingerprint (a salted PBKDF2 of the
value, see Finding.fingerprint), so moving, re-indenting or re-wrapping the line does
not change it, and the file reveals nothing a dictionary attack could use cheaply. The
path is kept for people reading the file; it is not part of the match, so a file that is
renamed keeps its accepted findings. Entries are sorted and the file holds no dates or
line numbers: regenerating it over unchanged code gives the same bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from credgate.engine.finding import Finding
from credgate.errors import UsageError

BASELINE_NAME = ".credgate-baseline.json"
VERSION = 1


@dataclass
class Baseline:
    path: str
    entries: dict[tuple[str, str], str] = field(default_factory=dict)  # (rule, fingerprint) -> path

    def accepts(self, finding: Finding) -> bool:
        return (finding.rule_id, finding.fingerprint()) in self.entries


def load(path: str) -> Baseline:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        fix = f"regenerate it with `credgate baseline --output {path}`, or fix the JSON by hand"
        raise UsageError(f"{path}: cannot read the baseline: {exc.strerror}", fix) from None
    return loads(data, path)


def loads(data: bytes, path: str) -> Baseline:
    """A baseline from its bytes (CI reads the base revision's from git); path names it in messages."""
    fix = f"regenerate it with `credgate baseline --output {path}`, or fix the JSON by hand"
    try:
        doc = json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}: the baseline is not valid JSON ({exc.msg}, line {exc.lineno})", fix
        ) from None
    except ValueError:  # UnicodeDecodeError
        raise UsageError(f"{path}: the baseline is not UTF-8 JSON", fix) from None
    entries = doc.get("entries") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(entries, list):
        raise UsageError(f'{path}: not a credgate baseline (version {VERSION} with an "entries" list)', fix)
    baseline = Baseline(path)
    for i, entry in enumerate(entries, 1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("rule"), str)
            and isinstance(entry.get("fingerprint"), str)
            and len(entry["fingerprint"]) == 32
        ):
            raise UsageError(f"{path}: entry {i} needs a rule id and a 32-character fingerprint", fix)
        baseline.entries[(entry["rule"], entry["fingerprint"])] = str(entry.get("path", ""))
    return baseline


def added_entries(old: Baseline | None, new: Baseline) -> list[str]:
    """What `new` accepts that `old` did not, one description per entry (no secret in it)."""
    before = old.entries if old is not None else {}
    return [f"{rule} in {path or '(no path)'}" for (rule, fp), path in sorted(new.entries.items())
            if (rule, fp) not in before]  # fmt: skip


def document(findings: Iterable[Finding], root: str) -> str:
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        if not f.blocking:
            continue  # notices never block, so there is nothing to accept
        key = (f.rule_id, f.fingerprint())
        path = os.path.relpath(f.path, root) if os.path.isabs(f.path) else os.path.normpath(f.path)
        entry = entries.setdefault(key, {"rule": f.rule_id, "fingerprint": key[1], "path": path})
        entry["path"] = min(entry["path"], path)  # the same value in two files: one entry, a stable path
    ordered = sorted(entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    doc = {"tool": "credgate", "version": VERSION, "entries": ordered}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


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
                hashes.setdefault(os.path.normpath(filename), set()).add(str(item["hashed_secret"]))
    return hashes


def detect_secrets_hash(secret: bytes) -> str:
    """The hash detect-secrets stores for a value (its PotentialSecret.hash_secret)."""
    from detect_secrets.core.potential_secret import PotentialSecret

    return str(PotentialSecret.hash_secret(secret.decode("utf-8", "replace")))
