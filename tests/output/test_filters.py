"""output/filters.py: docs/filters.md is generated from the registry and must not go stale."""

from __future__ import annotations

from credgate.engine.filters import FILTERS
from credgate.output.filters import DOC_COMMAND, markdown
from tests.conftest import PROJECT


def test_docs_filters_md_is_the_registry_s_markdown() -> None:
    committed = (PROJECT / "docs" / "filters.md").read_text(encoding="utf-8")
    assert committed == markdown(), f"docs/filters.md is stale: regenerate it with `{DOC_COMMAND}`"


def test_the_markdown_lists_every_filter_with_its_scope_verdict_and_examples() -> None:
    text = markdown()
    for f in FILTERS:
        assert f"\n### {f.name}\n" in text
        assert f"[{f.name}](#{f.name})" in text
    assert '"a weak or sample password (a common word, digits, leetspeak): change it if it is real"' in text
    assert '- Scope: rules with in_tests = "skip"' in text
    assert '- Judged: `password: "changeme"` in `config.yml` (generic-password-assignment)' in text
