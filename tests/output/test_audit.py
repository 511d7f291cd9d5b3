"""output/audit.py: the audit's report from the checks gate/audit.py decided."""

from __future__ import annotations

import io
import json
from pathlib import Path

from credgate import gitio
from credgate.config import Config
from credgate.gate import audit as gate
from credgate.gate.audit import Check, HistoryEntry
from credgate.gate.credential_files import Classifier
from credgate.output import audit as output
from tests.conftest import Repo, env_file_with_aws
from tests.gate.test_audit import FULL

ROTATE = "Rotate every credential these files ever held, first"


def leaked(path: str, refs: list[str]) -> HistoryEntry:
    h = gitio.PathHistory(path.encode(), "a" * 40, 1767323045, "b" * 40, 1767323045, True)
    return HistoryEntry(path, "env", ".env.*", h, refs)


def checks() -> list[Check]:
    return [
        Check("tracked", True, {"blocked": [], "checked": 3}),
        Check("history", False, {"entries": [leaked("a.env", [])], "backup_refs": []}),
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
    assert "    none of the 3 tracked files is a credential file\n" in text
    assert (
        "    a.env  env: added aaaaaaaaaaaa 2026-01-02, last changed bbbbbbbbbbbb 2026-01-02, deleted since\n"
        in text
    )
    assert "[UNSAFE] 2. " in text and f"  What to do:\n    - {ROTATE}" in text
    assert "[SKIPPED] 3. " in text and "[UNKNOWN] 5. " in text
    assert text.endswith("\ncredgate audit: UNSAFE (1 of 3 checks unsafe, 1 unknown)\n")


def test_json_has_stable_keys() -> None:
    doc = json.loads(output.to_json(checks(), 1))
    assert (doc["command"], doc["exit_code"], doc["verdict"]) == ("audit", 1, "UNSAFE")
    assert list(doc["checks"]) == ["tracked", "history", "gitignore", "hooks", "ci"]
    history = doc["checks"]["history"]
    assert list(history) == ["verdict", "safe", "files", "backup_refs", "fix"]
    assert (
        history["files"][0]["first_date"] == "2026-01-02T03:04:05Z" and not history["files"][0]["reachable"]
    )
    assert history["fix"][0].startswith(ROTATE) and "git reflog expire" in history["fix"][-1]
    assert doc["checks"]["gitignore"] == {"verdict": "SKIPPED", "safe": None, "fix": []}


def test_the_gate_hands_over_raw_facts_and_output_escapes_them() -> None:
    hostile = "a\x1b[31m.env"
    ref = "refs/heads/##[error]x"
    check = Check("history", False, {"entries": [leaked(hostile, [ref])], "backup_refs": []})
    text = "\n".join(output.details(check) + output.fix(check))
    assert "\x1b" not in text and "a\\x1b[31m.env  env:" in text
    assert "--path 'a\\x1b[31m.env'" in text  # quoted for the shell after escaping
    doc = json.loads(output.to_json([check], 1))
    assert doc["checks"]["history"]["files"][0]["path"] == "a\\x1b[31m.env"
    assert "    reachable from refs/heads/##\\x5berror]x" in output.details(check)  # no CI log command
    assert check.facts["entries"][0].refs == [ref]  # the gate's fact stays raw


def test_tracked_fix_points_at_check_2(repo: Repo) -> None:
    repo.stage(".gitignore", FULL)
    repo.write(".env.master", env_file_with_aws())
    repo.git("add", "-f", ".env.master")
    repo.commit("leak")
    by = {c.name: c for c in gate.audit(skip=("hooks", "ci"))}
    assert any("check 2 below shows where" in step for step in output.fix(by["tracked"]))
    assert output.data(by["tracked"])["files"][0]["path"] == ".env.master"
    assert output.details(by["history"])[1].startswith(".env.master  env: added ")


def test_gitignore_fix_names_the_nested_reinclusion(repo: Repo) -> None:
    repo.stage(".gitignore", FULL)
    repo.stage("svc/.gitignore", "!/.env.local\n")
    repo.commit()
    fix = output.fix(gate.check_gitignore(str(repo.path), Classifier(Config())))
    assert fix[0].startswith("Remove these lines") and "svc/.gitignore:1: !/.env.local" in fix[0]


def test_gitignore_fix_says_when_only_the_disk_is_fixed(repo: Repo) -> None:
    repo.stage(".gitignore", ".env\n")
    repo.commit()
    repo.write(".gitignore", FULL)
    check = gate.check_gitignore(str(repo.path), Classifier(Config()))
    assert output.fix(check) == [
        "Commit .gitignore: git add .gitignore && git commit -m 'ignore credential files'"
    ]
    assert "the .gitignore files on disk cover every name" in "\n".join(output.details(check))


def test_a_bare_clone_says_why_two_checks_are_skipped(tmp_path: Path) -> None:
    checks = [Check("tracked", None, {"bare": True}), Check("hooks", None, {"bare": True})]
    out = io.StringIO()
    output.write_text(checks, str(tmp_path), out)
    assert "    a bare repository has no index: see check 2 for HEAD's history\n" in out.getvalue()
    assert "    a bare repository has no developer hooks: audit a working clone\n" in out.getvalue()
