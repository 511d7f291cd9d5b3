"""detect-secrets' `.secrets.baseline`, read with detect-secrets' own loader (for migration)."""

from __future__ import annotations

from credgate.baseline.store import _norm
from credgate.errors import UsageError


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
