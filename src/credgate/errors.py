"""Exit codes and the exceptions that map onto them.

Every command ends with one of four codes, so hooks and CI can tell "found a
secret" from "could not scan"; both block.
"""

from __future__ import annotations

CLEAN = 0
FINDINGS = 1
USAGE = 2
INTERNAL = 3


class CredgateError(Exception):
    """An error with a message fit for the user and the exit code it maps to."""

    exit_code = INTERNAL

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CredgateError):
    """Bad input, bad configuration, wrong place: the user can fix it (exit 2)."""

    exit_code = USAGE


class InternalError(CredgateError):
    """Something credgate could not do; the gate fails closed (exit 3)."""

    exit_code = INTERNAL


def redact(message: str) -> str:
    """An exception text may quote scanned content: mask every token-like run in it (first 300 characters).
    Escaping for a terminal is the printer's job (cli.py, output.escape.redact_message)."""
    import re

    return re.sub(r"[A-Za-z0-9+/=_\-.]{12,}", lambda m: m.group(0)[:4] + "****", message[:300])
