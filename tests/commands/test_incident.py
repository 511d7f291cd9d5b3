"""`credgate incident`: a postmortem draft in the template's shape, filled from git."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from credgate.commands import incident
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, aws_pair

TEMPLATE_SECTIONS = [
    "### Incident Summary",
    "### Timeline",
    "### Root Cause",
    "### What Was Skipped During Hotfix",
    "### Follow-Up Actions",
    "### Lessons Learned",
]


def the_incident(repo: Repo) -> tuple[str, str]:
    """The shape of the real one: .env and .env.local ignored, .env.master committed, later removed."""
    key_id, key = aws_pair()
    repo.stage(".gitignore", ".env\n.env.local\n")
    repo.commit("ignore env files")
    repo.stage(".env.master", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    repo.commit("add master env")
    repo.git("rm", "-q", ".env.master")
    repo.commit("remove it again")
    return key_id, key


def test_draft_follows_the_template_and_names_the_root_cause(repo: Repo) -> None:
    key_id, key = the_incident(repo)
    out = io.StringIO()
    now = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)
    assert incident.run(now=now, opts=Options(out=out)) == 0  # writing the draft succeeded
    text = out.getvalue()
    positions = [text.index(section) for section in TEMPLATE_SECTIONS]
    assert positions == sorted(positions)
    assert key_id not in text and key not in text and "AKIA****" in text
    assert "`.env.master:2`" in text and "| no |" in text  # removed from HEAD, still in history
    root_cause = text[text.index("### Root Cause") : text.index("### What Was Skipped")]
    assert "`.env.*` is NOT ignored" in root_cause.split("**Why it broke:**")[1].splitlines()[1]
    assert "Local hook NOT in place" in root_cause and "CI gate NOT in place" in root_cause
    assert "detected 2030-01-02 03:04 UTC" in text
    assert "- [ ] Rotate AWS access key ID `AKIA****`" in text


def test_output_file_is_never_overwritten(repo: Repo, tmp_path: Path) -> None:
    the_incident(repo)
    target = tmp_path / "postmortem.md"
    assert incident.run(output=str(target), opts=Options(out=io.StringIO())) == 0
    assert target.read_text().startswith("# Postmortem")
    with pytest.raises(UsageError, match="never overwrites"):
        incident.run(output=str(target), opts=Options(out=io.StringIO()))


def test_clean_history_has_no_incident(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    out = io.StringIO()
    assert incident.run(opts=Options(out=out)) == 0
    assert "no incident to write up" in out.getvalue()
