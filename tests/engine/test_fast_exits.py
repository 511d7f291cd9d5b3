"""The scanner's fast exits skip work that provably finds nothing: with each exit disabled, every result is
the same (findings, suppressions, allowed values, kinds), on texts built to reach each component."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from credgate.engine import concat, credfiles, rules
from credgate.engine.credfile_synth import KINDS, credfile
from credgate.engine.scanner import Scanner, ScanResult
from tests.conftest import aws_pair, secret


def _result(r: ScanResult) -> tuple[Any, ...]:
    return (r.kind, r.findings, sorted(r.suppressed), r.allowed, r.allowed_spans)


def _corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(7)
    files: list[tuple[str, bytes]] = []
    for kind in sorted(KINDS):
        raw = credfile(rng, kind)
        files.append((f"keys/{kind}.bin", raw))
        b64 = base64.encodebytes(raw).decode()
        files.append(
            (f"ci/{kind}.yml", f"signing_key: |\n  {b64.replace(chr(10), chr(10) + '  ')}\n".encode())
        )
        files.append((f"ci/{kind}.b64", base64.b64encode(raw)))
    doc = {"version": 4, "terraform_version": "1.9.0", "serial": 1, "lineage": "x", "resources": []}
    files.append(("prod.json", json.dumps(doc).encode()))
    files.append(("prod-bom.json", b"\xef\xbb\xbf  " + json.dumps(doc).encode()))
    key_id, key = aws_pair()
    gh = secret("%%github:ghp_%%")
    files += [
        ("app/settings.py", f'KEY = "{key_id}"\nSECRET = "{key}"\ntoken = "{gh}"\n'.encode()),
        ("app/split.py", f'TOKEN = "{gh[:10]}" + "{gh[10:]}"\nX = """Docstring here."""\n'.encode()),
        ("app/doc.py", b'def f():\n    """Return the value, always."""\n    return 1\n'),
        ("app/php.php", f"<?php $password = '{gh[:8]}' . '{gh[8:]}';\n".encode()),
        ("deploy.yaml", f"env:\n  - name: DB_PASSWORD\n    value: {secret('%%rand:base64:24%%')}\n".encode()),
        ("notes.txt", b"nothing to see, MI and MHc but no base64 run\n"),
        ("blob.txt", ("data: " + base64.b64encode(f"token={gh}".encode()).decode() + "\n").encode()),
    ]
    return files


def _scan_all(scanner: Scanner, files: list[tuple[str, bytes]]) -> list[tuple[Any, ...]]:
    return [_result(scanner.scan(data, path)) for path, data in files]


def test_the_credential_file_exit_covers_every_detector() -> None:
    # A new detector needs its own necessary condition in credfiles._may_hold_one.
    assert set(credfiles.DETECTORS) == {
        "der-private-key",
        "pkcs12-keystore",
        "java-keystore",
        "keepass-database",
        "terraform-state",
    }
    rng = random.Random(3)
    for kind in KINDS:
        raw = credfile(rng, kind)
        assert credfiles._may_hold_one(raw), kind
        if kind != "kdbx":  # a KeePass database is found by its magic only, never in base64
            assert credfiles._may_hold_one(b"x: " + base64.b64encode(raw)), kind
    assert not credfiles._may_hold_one(b"def f():\n    return 1\n")


def test_results_are_the_same_without_the_fast_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _corpus()
    fast = _scan_all(Scanner(rules.load()), files)
    assert sum(len(r[1]) for r in fast) >= 10
    monkeypatch.setattr(credfiles, "_may_hold_one", lambda data: True)
    monkeypatch.setattr(rules, "_NARROW_ABOVE", -1)  # always narrow by the prefilter, where it can
    assert _scan_all(Scanner(rules.load()), files) == fast


def test_a_joined_value_of_one_nonempty_piece_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[bytes] = []

    def scan_blob(blob: bytes) -> list[Any]:
        scanned.append(blob)
        return []

    from credgate.engine.content import LineIndex

    doc = b'def f():\n    """Return the value, always."""\n'
    assert concat.joined_findings(doc, LineIndex(doc), scan_blob) == [] and scanned == []
    split = b'TOKEN = "abcdefgh" + "ijklmnop"\n'
    concat.joined_findings(split, LineIndex(split), scan_blob)
    assert len(scanned) == 1
