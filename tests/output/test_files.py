"""output/files.py: the text and JSON of the files gate, escaped and redacted."""

from __future__ import annotations

import io
import json

from credgate.engine.finding import Finding
from credgate.gate.credential_files import Result, Verdict
from credgate.gate.report import Stats
from credgate.output import files as output
from tests.conftest import secret


def finding(value: str) -> Finding:
    return Finding("npmrc-auth", "npm _authToken in .npmrc", "critical", "high", ".npmrc", 2, 21, 2, "", "",
                   secret=value.encode())  # fmt: skip


def test_fix_steps_depend_on_where_the_file_is() -> None:
    staged = Verdict(".env.master", "env", "name", "dotenv", ".env.*", status="A")
    steps = output.fix_steps(staged)
    assert steps[0] == "Unstage it (the file stays on disk): git rm --cached -- .env.master"
    assert "add `.env.*` to .gitignore" in steps[1] and "unstaging is enough" in steps[2]
    tracked = Verdict(".env.master", "env", "name", "dotenv", ".env.*", status="tracked")
    assert "already in this repository's history" in output.fix_steps(tracked)[2]
    on_disk = Verdict("id_rsa", "private-key", "name", "SSH key", "id_rsa", status="file")
    assert output.fix_steps(on_disk)[0].startswith("Do not add it: id_rsa is not tracked")
    template = Verdict(".env.example", "template", "template-value", "real value", status="A")
    assert output.fix_steps(template)[0].startswith("Replace the real value with a placeholder")


def test_names_are_escaped_and_quoted() -> None:
    v = Verdict("x\x1b[31m'.env.prod", "env", "name", "dotenv", ".env.*", status="A")
    assert "\x1b" not in output.describe(v)
    assert "\x1b" not in json.dumps(output.verdict_json(v))
    assert "git rm --cached -- '" in output.fix_steps(v)[0]


def test_text_and_json_never_hold_the_secret() -> None:
    value = secret("%%rand:alnum:36%%")
    v = Verdict(".npmrc", "tool-credentials", "content", "npm config", ".npmrc", [finding(value)], "A")
    result = Result([v], Stats(files=1, bytes=80), "staged files")
    out = io.StringIO()
    output.write_text(result, out)
    text = out.getvalue()
    assert text.startswith("credgate: 1 credential file in staged files\n")
    assert "    line 2:21  npmrc-auth  " in text and "How to fix:" in text
    doc = json.loads(output.to_json(result, 1))
    assert (doc["command"], doc["exit_code"], doc["scope"]) == ("files", 1, "staged files")
    assert doc["blocked"][0]["findings"][0]["secret"].endswith("****")
    assert value not in text and value not in output.to_json(result, 1)


def test_nothing_blocked_prints_nothing_and_summary_counts() -> None:
    result = Result([], Stats(files=2, bytes=10, excluded=1), "tracked files")
    out = io.StringIO()
    output.write_text(result, out)
    assert out.getvalue() == ""
    assert output.summary(result) == "credgate: checked 2 files (10 B) in tracked files; 1 excluded by config"
