"""gate/rules.py: a broken extra rule file is a usage error; a rule that misses its example is a problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from credgate.errors import UsageError
from credgate.gate.rules import check_rules, load_rules


def test_a_rule_file_that_does_not_parse_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nid = \n")
    with pytest.raises(UsageError):
        load_rules([str(bad)])


def test_check_reports_the_rule_that_misses_its_example(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[rule]]\nid = "acme-key"\nname = "Acme"\nkeywords = ["acme"]\n'
        "regex = 'acme(?P<secret>[0-9]{8})'\n"
        'hint = "rotate"\nreferences = ["https://acme.invalid"]\nexamples = ["acme1234"]\n'
    )
    ruleset, problems = check_rules([str(extra)])
    assert {p.rule_id for p in problems} == {"acme-key"}
    assert any("example #1 is not found" in p.message for p in problems)
    assert any(r.id == "acme-key" for r in ruleset.rules)
