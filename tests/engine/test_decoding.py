"""Encoded values are decoded by bytes, not by count: no number of decoys hides the last one."""

from __future__ import annotations

import base64
import os
import time

import pytest

from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import secret


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def _decoys(n: int) -> bytes:
    return b"".join(b"v%d: %s\n" % (i, _b64(b"just some harmless configuration %06d" % i)) for i in range(n))


@pytest.mark.parametrize("decoys", [0, 201, 1000])
def test_a_token_after_many_decodable_values_is_found(scanner: Scanner, decoys: int) -> None:
    token = secret("%%github:ghp_%%").encode()
    data = _decoys(decoys) + b"last: " + _b64(b"GITHUB_TOKEN=" + token + b"\n") + b"\n"
    result = scanner.scan(data, "k8s/secret.yaml")
    found = [f for f in result.findings if f.secret == token]
    assert found, decoys
    assert found[0].line == decoys + 1
    assert found[0].note.startswith("inside base64")


def test_a_token_inside_a_very_long_base64_value_is_found(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%").encode()
    text = b"# generated\n" * 20_000 + b"token: " + token + b"\n"  # 240 KB of text, the token at the end
    data = b"blob: " + _b64(text) + b"\n"
    assert len(data) > 300_000
    result = scanner.scan(data, "values.yaml")
    assert [f.secret for f in result.findings] == [token]


def test_a_token_inside_base64_of_binary_data_is_found(scanner: Scanner) -> None:
    # A pickled or serialized object: mostly binary, a token in it. High-confidence rules read it.
    token = secret("%%github:ghp_%%").encode()
    payload = os.urandom(200) + b"\x00\x8c" + token + b"\x94\x00" + os.urandom(200)
    data = b'{"state": "' + _b64(payload) + b'"}\n'
    result = scanner.scan(data, "cache.json")
    found = [f for f in result.findings if f.secret == token]
    assert len(found) == 1
    assert found[0].note.startswith("inside base64 (binary)")
    assert (found[0].line, found[0].col) == (1, 12)


def test_base64_of_binary_data_yields_no_context_rule_findings(scanner: Scanner) -> None:
    # Only distinctive tokens count inside binary: random bytes say `password=...` by chance, not by intent.
    payload = os.urandom(100) + b"password=hunter2x9Q" + os.urandom(100)
    result = scanner.scan(b"x: " + _b64(payload) + b"\n", "data.yaml")
    assert result.findings == []


def test_a_megabyte_of_decodable_values_is_read_in_bounded_time(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%").encode()
    data = _decoys(20_000) + b"last: " + _b64(token) + b"\n"
    assert len(data) > 1_000_000
    start = time.perf_counter()
    result = scanner.scan(data, "big.yaml")
    assert time.perf_counter() - start < 10.0  # about a second alone; CI machines are shared
    assert [f.secret for f in result.findings] == [token]


def test_integrity_hashes_in_a_lock_file_stay_quiet(scanner: Scanner) -> None:
    # os.urandom, not a seed: every run draws other digests (one in about fifteen such files spells a
    # Yandex key's `/YC.../` somewhere; the integrity-digest filter must hold on every draw).
    data = b"".join(b'"integrity": "sha512-%s",\n' % _b64(os.urandom(64)) for _ in range(5_000))
    assert scanner.scan(data, "package-lock.json").findings == []
