"""`credgate filters check` / `credgate filters list`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from credgate.commands import filters as filters_cmd
from credgate.commands._options import Options
from credgate.engine.filters import BY_NAME, FILTERS
from credgate.engine.filters import check as check_module
from credgate.engine.filters.entry import Example
from tests.conftest import PROJECT


def test_check_passes_on_the_registered_filters() -> None:
    out = io.StringIO()
    assert filters_cmd.run_check(opts=Options(out=out)) == 0
    last = out.getvalue().splitlines()[-1]
    assert last.startswith(f"filters check: {len(FILTERS)} filters, ") and last.endswith("0 problem(s): ok")


def test_check_verbose_and_json_say_which_filter_judged_each_example() -> None:
    out = io.StringIO()
    assert filters_cmd.run_check(opts=Options(verbose=True, out=out)) == 0
    assert (
        "ok   placeholder positive #1 (config.yml): generic-password-assignment: placeholder"
        in out.getvalue()
    )
    out = io.StringIO()
    assert filters_cmd.run_check(opts=Options(fmt="json", out=out)) == 0
    doc = json.loads(out.getvalue())
    assert doc["status"] == "ok" and doc["problems"] == []
    weak = [e for e in doc["examples_run"] if e["filter"] == "weak-password" and e["kind"] == "positive"]
    assert weak and all(e["verdicts"] == ["weak-password"] and e["ok"] for e in weak)


def test_check_fails_when_a_filter_misjudges_its_example(monkeypatch: pytest.MonkeyPatch) -> None:
    # The example's `${...}` value is a reference: the reference filter judges it, not placeholder.
    broken = replace(
        BY_NAME["placeholder"],
        positives=(Example('password = "${DB_PASSWORD}"', "config.yml", "generic-password-assignment"),),
    )
    monkeypatch.setattr(check_module, "FILTERS", (broken, BY_NAME["weak-password"]))
    out = io.StringIO()
    assert filters_cmd.run_check(opts=Options(out=out)) == 1
    assert (
        "placeholder: positive example #1 (config.yml): generic-password-assignment is judged by reference"
        in (out.getvalue())
    )
    assert out.getvalue().rstrip().endswith("1 problem(s): FAILED")


def test_list_text_json_and_markdown() -> None:
    out = io.StringIO()
    assert filters_cmd.run_list(opts=Options(out=out)) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == len(FILTERS)
    assert lines[0].split()[:3] == ["1", "inline-allow", "drop"]
    out = io.StringIO()
    filters_cmd.run_list(opts=Options(fmt="json", out=out))
    rows = json.loads(out.getvalue())
    assert [r["name"] for r in rows] == [f.name for f in FILTERS]
    weak = next(r for r in rows if r["name"] == "weak-password")
    assert weak["verdict"] == "notice" and weak["chained"] is False and weak["order"] is None
    assert weak["positives"] and rows[0]["order"] == 1
    out = io.StringIO()
    filters_cmd.run_list(opts=Options(fmt="markdown", out=out))
    assert out.getvalue().startswith("# Filters\n")


def test_cli_exit_codes() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "credgate", "filters", "check"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "credgate", "filters", "list", "--format", "sarif"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "--format" in bad.stderr


def test_ci_runs_the_filter_check_after_the_rule_check() -> None:
    ci = (PROJECT / ".ci" / "run").read_text().splitlines()
    assert ci.index(".venv/bin/credgate filters check") == ci.index(".venv/bin/credgate rules check") + 1
