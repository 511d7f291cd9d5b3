"""A progress bar for long scans (history, a directory, a range of many commits), on stderr.

Shown only when stderr is a terminal, and only once the work has run for `DELAY` seconds, so
a hook that finishes quickly prints nothing more and never imports the bar library (tqdm):
commit hooks start lean. `CREDGATE_PROGRESS=0` turns it off, `=1` forces it (for a terminal
that does not say it is one). Piped, redirected or in CI, stderr stays exactly as before.

The scanning code already counts what it does into `gate.report.Stats` (`commits`, `files`,
`bytes`); `counting_stats()` returns a Stats that reports each increment to the bar, so no
walker has to carry a callback through its signature.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Protocol, TextIO

from credgate.gate.report import Stats, human_size

DELAY = 0.5  # seconds of work before a bar appears ($CREDGATE_PROGRESS_DELAY overrides it)


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("CREDGATE_PROGRESS_DELAY", DELAY)))
    except ValueError:
        return DELAY


def wanted(stream: TextIO | None = None) -> bool:
    """Whether a bar may be drawn on stream (stderr by default)."""
    forced = os.environ.get("CREDGATE_PROGRESS")
    if forced is not None:
        return forced not in ("", "0")
    stream = stream or sys.stderr
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class Bar:
    """Counts work; draws a tqdm bar once the work has lasted DELAY seconds on a terminal."""

    def __init__(
        self,
        desc: str,
        unit: str,
        stream: TextIO | None = None,
        total: Callable[[], int | None] | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.desc, self.unit = desc, unit
        self.stream = stream or sys.stderr
        self.total = total  # asked only when the bar is drawn (it may cost a git call)
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self.count = 0
        self.bytes = 0
        self.start = time.monotonic()
        self.delay = _delay()
        self.shown = False
        self._bar: Any = None

    def update(self, n: int = 1, nbytes: int = 0) -> None:
        self.count += n
        self.bytes += nbytes
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.start < self.delay:
                return
            self._open()
        self._bar.update(n)
        if nbytes:
            self._bar.set_postfix_str(human_size(self.bytes), refresh=False)

    def _open(self) -> None:
        from tqdm import tqdm  # imported only now: a quick run never pays for it

        total = self.total() if self.total is not None else None
        # A terminal that reports no width (some containers' ptys) would get an empty bar.
        sized = _columns(self.stream) > 0
        self._bar = tqdm(
            total=total or None,
            initial=self.count,
            desc=f"credgate: {self.desc}",
            unit=f" {self.unit}",
            file=self.stream,
            dynamic_ncols=sized,
            ncols=None if sized else 80,
            leave=False,  # the one summary line follows; the bar does not stay on screen
            mininterval=0.2,
        )
        if self.bytes:
            self._bar.set_postfix_str(human_size(self.bytes), refresh=False)
        self.shown = True

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


class Ticker(Protocol):
    """What counting_stats reports to: a Bar, or a counter shared with worker processes."""

    def update(self, n: int = 1, nbytes: int = 0) -> None: ...


class _CountingStats(Stats):
    """Stats whose `commits` / `files` / `bytes` increments move a bar (see the module doc)."""

    _bar: Ticker
    _unit: str

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent back from a worker process as plain Stats: the bar stays where it was drawn.
        return (_plain, ({k: v for k, v in self.__dict__.items() if not k.startswith("_")},))

    def __setattr__(self, name: str, value: Any) -> None:
        bar = self.__dict__.get("_bar")
        if bar is not None and name in ("commits", "files", "bytes"):
            step = value - self.__dict__.get(name, 0)
            if name == self._unit:
                bar.update(step)
            elif name == "bytes":
                bar.update(0, step)
        object.__setattr__(self, name, value)


def _plain(fields: dict[str, Any]) -> Stats:
    return Stats(**fields)


def counting_stats(bar: Ticker, unit: str) -> Stats:
    """A Stats that moves bar by each increment of the counter named unit ("commits" or "files"),
    and shows the bytes read beside it."""
    stats = _CountingStats()
    object.__setattr__(stats, "_unit", unit)
    object.__setattr__(stats, "_bar", bar)
    return stats
