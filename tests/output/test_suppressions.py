"""output/suppressions.py: text and JSON, every content-derived field escaped."""

from __future__ import annotations

import io
import json

from credgate.gate.suppressions import Suppression
from credgate.output import suppressions as text

ITEM = Suppression("marker", "a\x1b.py", 3, "credgate:allow", ("r\x07",), "why\nnot", "line")


def test_json_escapes_and_counts() -> None:
    out = io.StringIO()
    text.write_json(
        [ITEM, Suppression("baseline", "b.env", None, ".credgate-baseline.jsonl", ("x",), "", "path")], out
    )
    doc = json.loads(out.getvalue())
    assert doc["counts"] == {"markers": 1, "baseline": 1, "without_reason": 1}
    first = doc["suppressions"][0]
    assert "\x1b" not in first["path"] and "\x07" not in first["rules"][0] and "\n" not in first["reason"]
    assert doc["suppressions"][1]["line"] is None and doc["suppressions"][1]["rules"] == ["x"]


def test_text_groups_markers_then_entries() -> None:
    out = io.StringIO()
    text.write_text([ITEM], out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "credgate: 1 inline markers:"
    assert lines[1].startswith("  a\\x1b.py:3  credgate:allow  r\\x07  reason ")
    assert "\x1b" not in out.getvalue()
