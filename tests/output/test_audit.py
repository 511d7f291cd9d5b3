"""output/audit.py: the audit's report from the checks gate/audit.py decided."""

from __future__ import annotations

import io
import json

from credgate.gate.audit import Check
from credgate.output import audit as output


def checks() -> list[Check]:
    return [
        Check("tracked", True, ["none of the 3 tracked files is a credential file"]),
        Check("history", False, ["a.env  env: ..."], ["Rotate it"], {"files": []}),
        Check("gitignore", None),
        Check("hooks", None),
        Check("ci", None, unknown=True),
    ]


def test_verdict_fails_closed() -> None:
    assert output.verdict(checks()) == "UNSAFE"
    assert output.verdict([Check("ci", None, unknown=True)]) == "UNKNOWN"
    assert output.verdict([Check("tracked", True), Check("hooks", None)]) == "SAFE"


def test_text_lists_each_check_then_the_summary() -> None:
    out = io.StringIO()
    output.write_text(checks(), "/work/repo", out)
    text = out.getvalue()
    assert text.startswith("credgate audit of /work/repo\n\n[SAFE] 1. Credential files tracked now\n")
    assert "[UNSAFE] 2. " in text and "  What to do:\n    - Rotate it\n" in text
    assert "[SKIPPED] 3. " in text and "[UNKNOWN] 5. " in text
    assert text.endswith("\ncredgate audit: UNSAFE (1 of 3 checks unsafe, 1 unknown)\n")


def test_json_has_stable_keys() -> None:
    doc = json.loads(output.to_json(checks(), 1))
    assert (doc["command"], doc["exit_code"], doc["verdict"]) == ("audit", 1, "UNSAFE")
    assert list(doc["checks"]) == ["tracked", "history", "gitignore", "hooks", "ci"]
    assert doc["checks"]["history"] == {"verdict": "UNSAFE", "safe": False, "files": [], "fix": ["Rotate it"]}
