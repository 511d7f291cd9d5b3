"""docs/ lists every setting and every rule from their registries, and says so when it is stale."""

from __future__ import annotations

import shutil
from pathlib import Path

from credgate.config import KNOWN_KEYS, SETTINGS
from credgate.engine.rules import load
from credgate.output import reference
from tests.conftest import PROJECT


def test_the_committed_reference_is_current() -> None:
    assert reference.main([str(PROJECT / "docs"), "--check"]) == 0, (
        "run `python -m credgate.output.reference docs`"
    )


def test_every_setting_and_every_visible_rule_is_listed() -> None:
    config_doc = (PROJECT / "docs" / "configuration.md").read_text()
    for key in KNOWN_KEYS:
        assert f"| `{key}` |" in config_doc
    rules_doc = (PROJECT / "docs" / "rules.md").read_text()
    for rule in load().rules:
        assert (f"| `{rule.id}` |" in rules_doc) == rule.visible, rule.id


def test_a_stale_file_is_named_and_rewritten(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(PROJECT / "docs", docs)
    page = docs / "configuration.md"
    page.write_text(page.read_text().replace("| `exclude` |", "| `exclude-old` |"))
    assert reference.main([str(docs), "--check"]) == 1
    assert reference.main([str(docs)]) == 0
    assert reference.main([str(docs), "--check"]) == 0
    assert "| `exclude` |" in page.read_text()


def test_settings_registry_is_what_the_parser_accepts() -> None:
    assert tuple(SETTINGS) == KNOWN_KEYS
    for kind, default, meaning in SETTINGS.values():
        assert kind and default and meaning.endswith(".")
