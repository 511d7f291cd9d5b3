"""output/rules.py: the check summary and the rule list, text and JSON."""

from __future__ import annotations

import io
import json

from credgate.engine.check import Problem
from credgate.gate.rules import load_rules
from credgate.output import rules as text


def test_the_check_summary_counts_rules_examples_and_problems() -> None:
    ruleset = load_rules()
    out = io.StringIO()
    problem = Problem(rule_id="acme", origin="x\x1b.toml", message="example #1 is not found")
    text.write_check(ruleset, [problem], out)
    first, last = out.getvalue().splitlines()
    assert first == "x\\x1b.toml: acme: example #1 is not found"
    assert last.startswith(f"rules check: {len(ruleset)} rules, ") and last.endswith("1 problem(s): FAILED")


def test_the_list_in_both_formats() -> None:
    ruleset = load_rules()
    as_json, as_text = io.StringIO(), io.StringIO()
    text.write_list(ruleset, "json", as_json)
    text.write_list(ruleset, "text", as_text)
    rows = json.loads(as_json.getvalue())
    from credgate.engine import keyfiles

    assert [r["id"] for r in rows] == [r.id for r in ruleset.rules] + [d.id for d in keyfiles.DETECTORS]
    assert len(as_text.getvalue().splitlines()) == len(rows)
