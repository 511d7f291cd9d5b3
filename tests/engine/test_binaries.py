"""Tokens inside binary blobs: compiled modules, serialized objects, anything with a NUL byte."""

from __future__ import annotations

import os
import py_compile
from pathlib import Path

import pytest

from credgate.engine.binary import binary_pattern, fixed_length
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from credgate.engine.synth import expand
from tests.conftest import secret


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def test_a_github_token_in_a_compiled_python_module_is_found(scanner: Scanner, tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%")
    source = tmp_path / "settings.py"
    source.write_text(f'TOKEN = "{token}"\n')
    compiled = tmp_path / "settings.pyc"
    py_compile.compile(str(source), cfile=str(compiled))
    data = compiled.read_bytes()
    # marshal writes the string between its length byte and the next constant's type code (`N`): no
    # word boundary on either side.
    assert token.encode() + b"N" in data or token.encode() + b")" in data
    result = scanner.scan(data, "app/__pycache__/settings.cpython-311.pyc")
    assert result.kind == "binary"
    found = [(f.rule_id, f.secret, f.advisory) for f in result.findings]
    assert found == [("github-pat", token.encode(), "")]


def _binary_rules_with_secrets(scanner: Scanner) -> list[tuple[str, bytes]]:
    """For every rule that drops its boundaries inside binaries: a secret its own examples hold."""
    out = []
    for rule in scanner.ruleset.rules:
        if binary_pattern(rule) is None:
            continue
        for n, example in enumerate(rule.examples):
            text = expand(example, f"binary-test:{rule.id}:{n}").encode()
            found = [f.secret for f in scanner.scan(text, "example.txt").findings if f.rule_id == rule.id]
            if found:
                out.append((rule.id, found[0]))
                break
    return out


def test_every_distinctive_token_is_found_between_arbitrary_bytes(scanner: Scanner) -> None:
    cases = _binary_rules_with_secrets(scanner)
    assert len(cases) >= 40  # GitHub, npm, Anthropic, Slack... (a sample of the rules must not shrink)
    assert "github-pat" in dict(cases) and "npm-access-token" in dict(cases)
    missed = []
    for rule_id, token in cases:
        around = [(b"\xff\x00", b"\x00"), (b"\x01\x02", b"\xc3")]
        if fixed_length(scanner.ruleset.by_id[rule_id]):
            around += [(b"\x00\x05(", b"N\x00"), (b"\x00A", b"z\x01")]  # letters on both sides
        for before, after in around:
            data = os.urandom(64).replace(b"\n", b" ") + before + token + after + b"\x00" * 8
            found = [f for f in scanner.scan(data, "blob.bin").findings if f.rule_id == rule_id]
            if [f.secret for f in found] != [token] or found[0].advisory:
                missed.append((rule_id, before, after))
    assert missed == []


def test_words_in_a_symbol_table_are_not_tokens(scanner: Scanner) -> None:
    # `(?:AKIA|ASIA|...)[A-Z2-7]{16}` without boundaries would read these upper-case names as AWS key ids.
    table = b"\x00".join([b"ASIAOMEGAALPHABETICALX", b"GREEKCAPITALLETTERACCATONE", b"AKIAZETAPSILONTHETA"])
    data = b"\x7fELF\x02\x01\x01\x00" + table * 50 + b"\x00"
    assert scanner.scan(data, "lib/module.so").findings == []


def test_context_rules_stay_out_of_binaries(scanner: Scanner) -> None:
    data = b"\x00\x01" + b'password = "Xq7-hunter2-secret-Zq9"\n' + b"\x00\x02"
    assert scanner.scan(data, "blob.bin").findings == []


def test_a_binary_with_a_wrong_checksum_token_does_not_block(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    data = b"\x00\x05(" + broken.encode() + b"N\x00"
    assert all(f.advisory for f in scanner.scan(data, "blob.bin").findings)


def test_a_token_in_utf16_inside_a_binary_is_found(scanner: Scanner) -> None:
    # .NET assemblies and Windows resources keep their strings in UTF-16LE: `g\0h\0p\0_\0...`.
    token = secret("%%github:ghp_%%")
    head = b"MZ\x90\x00" + os.urandom(60).replace(b"\n", b" ")
    data = head + "Authorization token ".encode("utf-16-le") + token.encode("utf-16-le") + b"\x00\x00\x01"
    [finding] = scanner.scan(data, "bin/Release/Client.dll").findings
    assert (finding.rule_id, finding.secret, finding.advisory) == ("github-pat", token.encode(), "")
    assert finding.offset == data.index(token.encode("utf-16-le"))
    assert "UTF-16" in finding.note


def test_utf16_strings_without_tokens_stay_quiet(scanner: Scanner) -> None:
    names = ["System.Runtime.CompilerServices", "AssemblyVersionAttribute 1.0.0.0", "ASIAOMEGAALPHABETICALX"]
    data = b"MZ\x90\x00" + b"\x00\x00".join(n.encode("utf-16-le") for n in names) * 20
    assert scanner.scan(data, "bin/Library.dll").findings == []
