"""The one record the engine produces. The secret is held for filtering and
pairing only: it is never part of repr() and leaves only through `redacted()`."""

from __future__ import annotations

from dataclasses import dataclass, field


def redact(secret: bytes) -> str:
    """A few leading characters then asterisks; short values reveal less.

    Four asterisks whatever the length, so the output does not leak it either.
    """
    text = secret.decode("utf-8", "replace")
    shown = min(4, len(text) // 5)
    return _printable(text[:shown]) + "****"


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


@dataclass(frozen=True)
class Finding:
    """One match that survived the filters: where it is, which rule, and the secret (redacted when shown)."""

    rule_id: str
    rule_name: str
    severity: str
    confidence: str
    path: str
    line: int
    col: int
    end_line: int
    hint: str
    url: str
    secret: bytes = field(repr=False, compare=False)
    offset: int = field(default=0, repr=False, compare=False)
    note: str = ""
    commit: str = ""  # set by history and range scans: the commit that added the secret
    extra: tuple[tuple[str, object], ...] = ()  # command-specific facts for machine output (history)
    # Why this match does not block (a placeholder-like value, a wrong checksum); "" for a real finding.
    advisory: str = ""

    @property
    def blocking(self) -> bool:
        return not self.advisory

    def redacted(self) -> str:
        return redact(self.secret)

    def fingerprint(self) -> str:
        """A stable id for this finding that never reveals a guessable value: see credgate/fingerprint.py,
        the one place that decides it."""
        from credgate.fingerprint import fingerprint

        return fingerprint(self)

    def in_commit(self, sha: str) -> Finding:
        from dataclasses import replace

        return replace(self, commit=sha)
