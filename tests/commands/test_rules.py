"""`credgate rules check` / `credgate rules list`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.cli import main
from credgate.commands import rules as rules_cmd
from credgate.commands._options import Options


def test_check_passes_on_the_shipped_rules() -> None:
    out = io.StringIO()
    assert rules_cmd.run_check(opts=Options(out=out)) == 0
    assert "0 problem(s): ok" in out.getvalue()


def test_check_fails_the_build_on_a_bad_extra_rule(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rule]]\nid = "acme-key"\nname = "Acme"\nkeywords = ["acme"]\n'
        "regex = 'acme(?P<secret>[0-9]{8})'\n"
        'hint = "rotate"\nreferences = ["https://acme.invalid"]\nexamples = ["acme1234"]\n'
        'negative_examples = ["acme%%rand:digit:8%%"]\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "rules", "check", "--rules", str(bad)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "bad.toml: acme-key: example #1 is not found by the rule" in proc.stdout
    assert "acme-key: negative example #1 is matched by the rule" in proc.stdout


def test_list_json() -> None:
    out = io.StringIO()
    rules_cmd.run_list(opts=Options(fmt="json", out=out))
    rows = json.loads(out.getvalue())
    assert any(r["id"] == "aws-access-key-id" for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)


def cli(*args: str) -> int:
    """Run the `credgate` command line in-process, as the shell would: its exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    return int(exit_.value.code or 0)


def test_list_through_the_cli_takes_the_shared_format_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("rules", "list", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["id"] == "github-pat" for r in rows)
    assert cli("rules", "list", "--format", "sarif") == 2  # not a format `rules list` writes
    assert cli("rules", "check") == 0
    assert "0 problem(s): ok" in capsys.readouterr().out
