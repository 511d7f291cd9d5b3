"""Repository content never reaches a terminal, a CI log or a report file raw (issue 18, item 8).

The hostile names go through real git (staged, then scanned by `credgate secrets` run as a
process), so what is checked is the bytes a terminal or the Actions runner would receive.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from credgate.output import escape
from tests.conftest import Repo, secret

ESC = "\x1b"
HOSTILE_NAMES = [
    f"esc{ESC}[2J{ESC}]0;pwned\x07.py",
    "::warning file=x::injected.py",
    " ::add-mask::ghp.py",
    "a ##[warning]legacy.py",
    "##[set-output name=x]y.py",
    "nonchar\uffff\ufffe.py",
    "bidi\u202e.py",
    "c1\u009b31m.py",
]
# A notebook's cell_type is free text the scanner reports as the cell's kind.
HOSTILE_CELL_TYPE = f"{ESC}[31mcode\n::warning title=pwned::x\n::add-mask::y\n##[error]z"
HOSTILE_RULE = f"::error ::rule {ESC}[1m ##[group]"


def _hostile_repo(repo: Repo) -> None:
    for name in HOSTILE_NAMES:
        repo.write(name, f"token = '{secret('%%github:ghp_%%')}'\n")
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": HOSTILE_CELL_TYPE,
                "metadata": {},
                "source": [f"t = '{secret('%%github:ghp_%%')}'\n"],
            }
        ],
    }
    repo.write("nb.ipynb", json.dumps(notebook))
    # A custom rule file is repository content too: its name and hint are printed with every finding.
    repo.write(
        "ci/rules.toml",
        "[[rule]]\n"
        'id = "acme-key"\n'
        f"name = {json.dumps(HOSTILE_RULE)}\n"
        'keywords = ["acmekey_"]\n'
        "regex = '''acmekey_(?P<secret>[a-z0-9]{24})'''\n"
        f"hint = {json.dumps('rotate ::set-env name=A::b ' + ESC + '[0m')}\n"
        f"url = {json.dumps('https://example.invalid/##[debug]')}\n",
    )
    repo.write(".credgate.toml", 'rules = ["ci/rules.toml"]\n')
    repo.write("acme.txt", f"k = acmekey_{secret('%%rand:alnumlower:24%%')}\n")
    repo.git("add", "-A")  # `::name` would be pathspec magic to `git add -- ::name`


def _credgate(repo: Repo, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", *args], cwd=repo.path, capture_output=True, check=False
    )


def _assert_log_safe(raw: bytes, annotations_allowed: bool = False) -> None:
    """What the GitHub runner and a terminal would make of these bytes."""
    text = raw.decode("utf-8")  # valid UTF-8: a lone surrogate would not even encode
    assert ESC not in text and "\x07" not in text and "\x9b" not in text
    assert "\u202e" not in text and "\uffff" not in text
    for line in text.splitlines():
        # The runner trims leading white space (any Unicode space) before looking for `::`.
        if line.lstrip().startswith("::"):
            assert annotations_allowed, line
            # The runner tries a `::` command first, so a `##[` inside this well-formed annotation's
            # percent-escaped file property is data, and the annotation names the real file.
            assert re.match(
                r"^::(error|notice) file=[^:,]*,line=\d+,endLine=\d+,col=\d+,title=credgate [a-z0-9-]+::",
                line,
            ), line
        else:
            assert "##[" not in line, "the runner parses `##[command]` anywhere in a line"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_hostile_names_and_content_cannot_issue_commands_or_break_reports(repo: Repo, fmt: str) -> None:
    _hostile_repo(repo)
    proc = _credgate(repo, "secrets", "--format", fmt, "--verbose")
    assert proc.returncode == 1, proc.stderr
    _assert_log_safe(proc.stdout, annotations_allowed=fmt == "github")
    _assert_log_safe(proc.stderr)
    out = proc.stdout.decode()
    if fmt in ("json", "sarif"):
        doc = json.loads(out)
        dumped = json.dumps(doc)
        for part in ("nonchar", "acme-key", "legacy.py", "injected.py", "pwned"):
            assert part in dumped  # every finding is reported, escaped
    elif fmt == "junit":
        root = ET.fromstring(proc.stdout)  # U+FFFF would make this raise
        names = [c.get("name") or "" for c in root.iter("testcase")]
        assert len(names) == len(HOSTILE_NAMES) + 2
        assert any(n.startswith("nonchar\\uffff\\ufffe.py") for n in names)
    elif fmt == "text":
        # Still readable: the names appear, escaped.
        assert "esc\\x1b[2J" in out
        assert "\\x3a:warning file=x::injected.py" in out
        assert "a ##\\x5bwarning]legacy.py" in out
    elif fmt == "github":
        errors = [line for line in out.splitlines() if line.startswith("::error ")]
        assert len(errors) == len(HOSTILE_NAMES) + 2
        # The annotation still names the real file: `:` and `,` are percent-escaped, as documented.
        assert any(line.startswith("::error file=%3A%3Awarning file=x%3A%3Ainjected.py,") for line in errors)


def test_history_and_range_text_are_log_safe(repo: Repo) -> None:
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    _hostile_repo(repo)
    repo.commit(f"add {ESC}[2J\n::add-mask::x")
    # Credential files under hostile directory names, for the files gate, the audit and the plans.
    repo.write("::error::dir/.env.local", "A=1\n")
    repo.write(f"##[group]{ESC}[1m/.env.production", "B=2\n")
    repo.git("add", "-A")
    repo.commit("env files")
    for args in (
        ["history"],
        ["scan-range", "--from-ref", "HEAD~2", "--to-ref", "HEAD"],
        ["audit"],
        ["files", "--tracked"],
        ["remediate"],
        ["incident"],
        ["check-gitignore"],
    ):
        proc = _credgate(repo, *args)
        # incident writes a draft and exits 0; the others report what they found (exit 1)
        assert proc.returncode == (0 if args == ["incident"] else 1), (args, proc.stderr)
        _assert_log_safe(proc.stdout)
        _assert_log_safe(proc.stderr)
    proc = _credgate(repo, "history")
    assert proc.returncode == 1
    assert b"injected.py" in proc.stdout


def test_text_escape_rules() -> None:
    t = escape.text
    assert t("::warning::x") == "\\x3a:warning::x"
    assert t("\u3000\t::x").lstrip().startswith("\\")
    assert t("a::b") == "a::b"  # harmless in the middle of a field: only a line start is parsed
    assert "##[" not in t("###[x")
    assert t("\udcff") == "\\xff"  # an undecodable byte
    assert t("\ud800") == "\\ud800"
    assert t("\u2028") == "\\u2028"


def test_json_is_valid_and_decodes_to_the_same_values() -> None:
    values = ["##[warning]x", "\u009b2J", "\u202e", "\uffff", "plain ::x"]
    out = escape.dumps_json({"v": values})
    assert json.loads(out) == {"v": values}
    assert "##[" not in out and "\u009b" not in out and "\uffff" not in out


def test_xml_text_drops_what_xml_forbids() -> None:
    value = escape.xml_text("a\uffff\ufffe\ud800\x01b")
    root = ET.fromstring(f"<a n='{value}'/>")
    assert root.get("n") == "a\\uffff\\ufffe\\ud800\\x01b"
    assert escape.xml_document("<a>##[x</a>") == "<a>##&#91;x</a>"
    assert ET.fromstring(escape.xml_document("<a>##[x</a>")).text == "##[x"


def test_github_values_use_the_documented_escaping() -> None:
    assert escape.gh_data("50%\r\n::x") == "50%25%0D%0A::x"
    assert escape.gh_property("a:b,c%") == "a%3Ab%2Cc%25"
