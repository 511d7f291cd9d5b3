"""output.incident: the postmortem draft in the incident document's template."""

from __future__ import annotations

from datetime import datetime, timezone

from credgate.gate import incident
from credgate.gate.audit import Check
from credgate.output.incident import TODO, draft, why_broke
from tests.gate.test_incident import ci_runs, found, no_hooks, not_ignored

NOW = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)
# The postmortem template of the incident document behind credgate (/work/shared/seed), in its order.
TEMPLATE_SECTIONS = [
    "### Incident Summary",
    "### Timeline",
    "### Root Cause",
    "### What Was Skipped During Hotfix",
    "### Follow-Up Actions",
    "### Lessons Learned",
]


def leak() -> str:
    f = found(
        "aws-access-key-id", ".env.master", "2029-12-01T10:00:00+00:00", [".env.master", "GUIDE.md"], []
    )
    checks = [
        not_ignored(("*.pem", "key.pem"), (".env.*", ".env.local")),
        no_hooks(),
        Check("ci", None),
    ]
    return draft(incident.judge([f], checks, "app|x", NOW))


def test_sections_follow_the_template_and_the_facts_are_filled_in() -> None:
    text = leak()
    positions = [text.index(section) for section in TEMPLATE_SECTIONS]
    assert positions == sorted(positions)
    assert text.startswith("# Postmortem: credentials committed to `app\\|x`")  # a table-safe name
    assert "first credential committed 2029-12-01 10:00 UTC (commit `cccccccccccc`)" in text
    assert "detected 2030-01-02 03:04 UTC by credgate" in text
    assert "- **Severity:** P0 CRITICAL" in text
    assert "| `.env.master:2`, `GUIDE.md` | 2029-12-01 | `cccccccccccc` | no |" in text
    assert "1 credential(s) in 2 file(s); 0 still present at HEAD" in text


def test_root_cause_names_the_ignore_rule_first_and_what_people_must_fill_in() -> None:
    text = leak()
    root = text[text.index("### Root Cause") : text.index("### What Was Skipped")]
    broke = root.split("**Why it broke:**")[1].splitlines()
    assert (
        broke[1] == "  - `.env.*` is NOT ignored: .env.local"
        and broke[2] == "  - `*.pem` is NOT ignored: key.pem"
    )
    assert "  - Local hook NOT in place:\n    - pre-commit: no hook at /r/.git/hooks/pre-commit\n" in root
    assert f"  - CI gate not checked here ({TODO}: was it in place?):" in root
    assert text.count(TODO) >= 6  # who could read it, how it was noticed, the lessons...


def test_no_failed_check_leaves_why_it_broke_to_a_person() -> None:
    f = found("generic-api-key", "a|b`c.py", "2029-12-01T10:00:00+00:00", ["a|b`c.py"], ["a|b`c.py"])
    text = draft(incident.judge([f], [Check("gitignore", True, {})], "app", NOW))
    assert f"  - {TODO} (`.gitignore` coverage holds today" in text
    assert "P1 HIGH" in text
    assert "`a\\|b'c.py:2`" in text and "yes (`a\\|b'c.py`)" in text  # Markdown-safe cells
    assert "**Why it wasn't caught:**\n\n### What Was Skipped" in text  # no audit: no gate lines


def test_control_characters_in_a_path_are_escaped() -> None:
    f = found("generic-api-key", "evil\x1b[2J.py", "2029-12-01T10:00:00+00:00", ["evil\x1b[2J.py"], [])
    text = draft(incident.judge([f], [], "app", NOW))
    assert "\x1b" not in text and "evil\\x1b[2J.py" in text


def test_why_it_broke_leads_with_the_lines_about_the_leaked_files() -> None:
    leak = found("aws-access-key-id", ".env.master", "2029-01-01T00:00:00+00:00", [".env.master"], [])
    patterns = [(f"*.k{i}", f"x.k{i}") for i in range(7)]
    pm = incident.judge([leak], [not_ignored(*patterns, (".env.*", ".env.local"))], "app", NOW)
    lines = why_broke(pm)
    assert lines is not None and len(lines) == 6  # the first six lines of each failed check
    assert lines[0] == "`.env.*` is NOT ignored: .env.local" and lines[1] == "`*.k0` is NOT ignored: x.k0"


def test_the_gates_show_the_audit_lines_escaped_and_at_most_four() -> None:
    leak = found("aws-access-key-id", ".env.master", "2029-01-01T00:00:00+00:00", [".env.master"], [])
    text = draft(incident.judge([leak], [no_hooks("/r/\x1b[2J/hooks"), ci_runs(5)], "app", NOW))
    assert "\x1b" not in text and "    - pre-commit: no hook at /r/\\x1b[2J/hooks/pre-commit\n" in text
    caught = text[text.index("  - CI gate in place:") :]
    assert "job3 runs a credgate scan" in caught and "job4" not in caught
