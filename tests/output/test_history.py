"""output.history: the sentence a history finding carries about its introduction and HEAD presence."""

from __future__ import annotations

from dataclasses import replace

from credgate.output.history import history_note, with_notes
from tests.gate.test_incident import found


def test_note_names_the_date_every_path_and_head_presence() -> None:
    f = found("github-pat", "a.py", "2029-12-01T10:00:00+00:00", ["a.py", "docs/x.md"], ["a.py"])
    assert history_note(f) == "introduced 2029-12-01; in a.py, docs/x.md; still at HEAD"
    gone = found("github-pat", "a.py", "2029-12-01T10:00:00+00:00", ["a.py"], [])
    assert history_note(gone).endswith("; in a.py; not at HEAD (history only)")


def test_the_scanners_own_note_comes_first_and_paths_are_escaped() -> None:
    f = replace(found("github-pat", "a\x1b.py", "2029-12-01", ["a\x1b.py"], []), note="inside base64")
    assert history_note(f) == "inside base64; introduced 2029-12-01; in a\\x1b.py; not at HEAD (history only)"


def test_only_history_findings_get_the_note() -> None:
    history_finding = found("github-pat", "a.py", "2029-12-01", ["a.py"], [])
    other = replace(history_finding, extra=(), note="matches `.env.*`")
    assert [f.note for f in with_notes([history_finding, other])] == [
        "introduced 2029-12-01; in a.py; not at HEAD (history only)",
        "matches `.env.*`",
    ]
