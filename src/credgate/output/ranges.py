"""What the range gates (`scan-range`, its pre-push and pre-receive hooks, `credgate ci`) say besides
the report: the report's scope and the lines on stderr.

Ref, branch and remote names come from git, the hook's input or the CI's environment, so every
line is escaped here, at the edge, whole. The report itself is written by the shared renderers.
"""

from __future__ import annotations

from typing import Callable, TextIO

from credgate.output.escape import safe


def scope(label: str, pushing: bool) -> str:
    """The report's scope: the summary line reads "scanned N commits (...) <scope minus 'commits '>"."""
    return "commits being pushed" if pushing else f"commits in {safe(label)}"


def ci_scope(label: str) -> str:
    return f"commits in the {safe(label)}"


def line(text: str, err: TextIO) -> None:
    print(safe(text), file=err)


def warner(err: TextIO) -> Callable[[str], None]:
    """Where the gate's notes go (which config file wins at a revision): one escaped line each."""
    return lambda text: line(text, err)


def nothing_known_pushed(name: str, why: str, err: TextIO) -> None:
    line(f"credgate: {why}, so nothing of {name} is known to be pushed: scanning all of it", err)


def only_deletions(err: TextIO) -> None:
    line("credgate: scanned 0 commits: the push only deletes refs", err)


def ci_only_deletion(system: str, err: TextIO) -> None:
    line(f"credgate: scanned 0 commits: the {system} push deletes a ref, which adds nothing", err)


def ci_plan(system: str, kind: str, label: str, rules_from: str, err: TextIO) -> None:
    """-v: what `credgate ci` scans and whose rules judge it."""
    line(f"credgate: {system} {kind}: scanning {label}; rules from {rules_from}", err)
