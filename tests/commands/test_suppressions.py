"""Issue 15 item 2: `credgate suppressions` lists what the team waved through; reports keep a marker's
reason (JSON `suppressed`, SARIF `suppressions` with kind inSource and the justification)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from credgate.cli import main
from credgate.commands import baseline, secrets, suppressions
from credgate.commands._options import Options
from tests.conftest import Repo, secret


def listing(**kw: object) -> tuple[int, str]:
    out = io.StringIO()
    rc = suppressions.run(opts=Options(out=out, **kw))  # type: ignore[arg-type]
    return rc, out.getvalue()


def test_every_marker_in_tracked_files_is_listed_with_line_rule_and_reason(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage(
        "app.py",
        f"A = '{token}'  # credgate:allow reason=\"public demo key\"\n"
        "B = 1  # credgate:allow=github-pat,slack-bot-token\n"
        "# credgate:allow-next-line\n"
        "C = 2\n"
        "D = 3  # gitleaks:allow\n",
    )
    repo.stage(
        "lib/x.js", "const k = 1; // trufflehog:ignore\nconst j = 2; // kingfisher:allow\n// ggignore\n"
    )
    repo.stage("ds.py", "E = 4  # pragma: allowlist secret\n")
    repo.stage("blob.bin", b"\x00\x01gitleaks:allow\x00")  # binary: not a marker anyone reads
    repo.write("untracked.py", "F = 5  # gitleaks:allow\n")
    rc, text = listing(fmt="json")
    assert rc == 0
    doc = json.loads(text)
    got = {
        (s["path"], s["line"], s["marker"], str(s["rules"]), s["reason"], s["scope"])
        for s in doc["suppressions"]
    }
    assert got == {
        ("app.py", 1, "credgate:allow", "all", "public demo key", "line"),
        ("app.py", 2, "credgate:allow", "['github-pat', 'slack-bot-token']", "", "line"),
        ("app.py", 3, "credgate:allow-next-line", "all", "", "next line"),
        ("app.py", 5, "gitleaks:allow", "all", "", "line"),
        ("lib/x.js", 1, "trufflehog:ignore", "all", "", "line"),
        ("lib/x.js", 2, "kingfisher:allow", "all", "", "line"),
        ("lib/x.js", 3, "ggignore", "all", "", "line"),
        ("ds.py", 1, "pragma: allowlist secret", "all", "", "line"),
    }
    assert doc["counts"] == {"markers": 8, "baseline": 0, "without_reason": 7}
    assert token not in text
    rc, text = listing()
    assert 'app.py:1  credgate:allow  all rules  reason "public demo key"' in text
    assert "app.py:2  credgate:allow  github-pat,slack-bot-token  (no reason given)" in text
    assert token not in text and "untracked.py" not in text


def test_baseline_entries_are_listed_with_the_line_they_match_and_their_reason(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("config.py", f"import os\nTOKEN = '{token}'\n")
    assert baseline.run(opts=Options(out=io.StringIO())) == 0
    repo.git("add", "-A")
    rc, text = listing(fmt="json")
    entries = [s for s in json.loads(text)["suppressions"] if s["kind"] == "baseline"]
    assert entries == [
        {
            "kind": "baseline",
            "path": "config.py",
            "line": 2,
            "marker": ".credgate-baseline.jsonl",
            "rules": ["github-pat"],
            "reason": "",
            "scope": "path",
        }
    ]
    repo.stage("config.py", "import os\n")  # the value left: the entry matches nothing today
    rc, text = listing()
    assert "config.py (matches nothing today)  .credgate-baseline.jsonl  github-pat" in text


def test_nothing_to_list_and_the_cli(repo: Repo) -> None:
    repo.stage("a.py", "x = 1\n")
    assert listing() == (0, "credgate: no inline allow markers and no baseline entries\n")
    proc = subprocess.run([sys.executable, "-m", "credgate", "suppressions", "--format", "json"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0 and json.loads(proc.stdout)["suppressions"] == []
    bad = subprocess.run([sys.executable, "-m", "credgate", "suppressions", "--format", "sarif"],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2


def test_outside_a_repository_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "credgate", "suppressions"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def scan(fmt: str) -> dict[str, object]:
    out = io.StringIO()
    secrets.run(opts=Options(fmt=fmt, out=out, err=io.StringIO()))
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_a_marker_reason_is_carried_into_json_and_sarif(repo: Repo) -> None:
    token, other = secret("%%github:ghp_%%"), secret("%%github:ghp_%%")
    repo.stage("demo.py", f"T = '{token}'  # credgate:allow reason=\"public demo key\"\n")
    repo.stage("g.py", f"U = '{other}'  # gitleaks:allow\n")
    doc = scan("json")
    assert doc["findings"] == [] and doc["exit_code"] == 0
    assert doc["suppressed"] == [
        {"path": "demo.py", "line": 1, "rule": "github-pat", "secret": "ghp_****", "marker": "credgate:allow",
         "reason": "public demo key"},
        {"path": "g.py", "line": 1, "rule": "github-pat", "secret": "ghp_****", "marker": "gitleaks:allow",
         "reason": ""},
    ]  # fmt: skip
    sarif = scan("sarif")
    results = sarif["runs"][0]["results"]  # type: ignore[index]
    by_path = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    assert by_path["demo.py"]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "public demo key"}
    ]
    assert by_path["g.py"]["suppressions"] == [{"kind": "inSource", "status": "accepted"}]
    assert token not in json.dumps(sarif) and other not in json.dumps(sarif)
    from tests.output.test_machine import SCHEMA

    jsonschema.validate(sarif, SCHEMA)


def test_suppressed_findings_are_a_count_in_text(repo: Repo) -> None:
    repo.stage("demo.py", f"T = '{secret('%%github:ghp_%%')}'  # credgate:allow reason=\"demo\"\n")
    out, err = io.StringIO(), io.StringIO()
    assert secrets.run(opts=Options(fmt="text", verbose=True, out=out, err=err)) == 0
    assert "demo.py" not in out.getvalue() and "allowed inline" in err.getvalue()


def test_a_marker_on_a_line_the_commit_does_not_add_is_not_listed_by_the_staged_gate(repo: Repo) -> None:
    repo.stage("demo.py", f"T = '{secret('%%github:ghp_%%')}'  # credgate:allow\n")
    repo.commit()
    repo.stage("demo.py", repo.path.joinpath("demo.py").read_text() + "X = 1\n")
    assert scan("json")["suppressed"] == []


def test_adding_allow_values_in_a_change_weakens_the_gate_in_ci(repo: Repo) -> None:
    from tests.commands.test_gate_config import head, run_ci

    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\n')
    repo.commit("base")
    base = head(repo)
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\nallow-values = ["^ghp_"]\n')
    repo.stage("app.py", f"T = '{secret('%%github:ghp_%%')}'\n")
    repo.commit("allow every github token")
    rc, out, _ = run_ci(repo, base)
    assert rc == 1 and "app.py:1" in out and 'allow-values adds "^ghp_"' in out


def cli(*args: str) -> int:
    """Run the `credgate` command line in-process, as the shell would: its exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    return int(exit_.value.code or 0)


def test_the_cli_reads_the_baseline_the_config_option_names(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    assert cli("baseline", "--output", "elsewhere.jsonl") == 0
    repo.write("other.toml", 'baseline = "elsewhere.jsonl"\n')
    capsys.readouterr()
    assert cli("suppressions", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["counts"]["baseline"] == 0  # the default config has none
    assert cli("suppressions", "--format", "json", "--config", "other.toml") == 0
    [entry] = json.loads(capsys.readouterr().out)["suppressions"]
    assert (entry["path"], entry["marker"], entry["line"]) == ("a.env", "elsewhere.jsonl", 1)
