"""gate/report.py: the data model every gate fills; Stats from separate scans add up in order."""

from __future__ import annotations

from dataclasses import fields

from credgate.engine.finding import Finding
from credgate.gate.report import Stats
from credgate.output.progress import counting_stats


def _finding(path: str) -> Finding:
    return Finding(
        rule_id="r", rule_name="r", severity="high", confidence="high", path=path, line=1, col=1,
        end_line=1, hint="", url="", secret=b"x",
    )  # fmt: skip


def test_merge_adds_every_count_and_keeps_list_order() -> None:
    a = Stats(files=1, bytes=10, binary=["a.png"], excluded=2, skipped=[("fifo", "a FIFO")])
    b = Stats(files=2, bytes=5, binary=["b.png"], unreadable=["c"], too_large=[("big", 9)], not_blocking=3)
    b.inline_allowed.append(_finding("d.py"))
    a.merge(b)
    assert (a.files, a.bytes, a.excluded, a.not_blocking) == (3, 15, 2, 3)
    assert a.binary == ["a.png", "b.png"]
    assert a.unreadable == ["c"] and a.too_large == [("big", 9)] and a.skipped == [("fifo", "a FIFO")]
    assert [f.path for f in a.inline_allowed] == ["d.py"]
    assert b.files == 2 and b.binary == ["b.png"]  # the merged-in Stats is left as it was


def test_merge_covers_every_field() -> None:
    # A field added to Stats later must be merged too: every int is summed, every list extended.
    full = Stats()
    for f in fields(Stats):
        value = getattr(full, f.name)
        setattr(full, f.name, [("x", 1)] if isinstance(value, list) else 1)
    into = Stats()
    into.merge(full)
    into.merge(full)
    for f in fields(Stats):
        got = getattr(into, f.name)
        assert got == ([("x", 1)] * 2 if isinstance(got, list) else 2), f.name


class _Ticks:
    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def update(self, n: int = 1, nbytes: int = 0) -> None:
        self.files += n
        self.bytes += nbytes


def test_merging_into_a_progress_stats_moves_the_bar() -> None:
    ticks = _Ticks()
    stats = counting_stats(ticks, "files")
    stats.merge(Stats(files=2, bytes=300))
    stats.merge(Stats(files=1, bytes=20))
    assert (ticks.files, ticks.bytes) == (3, 320)
    assert (stats.files, stats.bytes) == (3, 320)
