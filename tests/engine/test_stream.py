"""engine.stream: a large file scanned a window at a time finds what a whole-file scan finds, where it is."""

from __future__ import annotations

import random

import pytest

from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from credgate.engine.stream import scan_stream
from tests.conftest import aws_pair, secret

SCANNER = Scanner(load())


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _where(findings: list) -> list[tuple[str, int, int, int, int]]:  # type: ignore[type-arg]
    return [(f.rule_id, f.line, f.col, f.end_line, f.offset) for f in findings]


def _filler(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    return [b"# filler %d %s\n" % (i, b"w" * rng.randrange(0, 60)) for i in range(n)]


@pytest.mark.parametrize("window,overlap", [(4096, 600), (10_000, 1500), (65_536, 8192)])
def test_every_position_of_a_token_is_found_on_its_whole_file_line(window: int, overlap: int) -> None:
    token = secret("%%github:ghp_%%").encode()
    lines = _filler(3000)
    rng = random.Random(window)
    for pos in [0, 1, 2999, *rng.sample(range(3000), 15)]:
        text = lines[:pos] + [b"TOKEN = '" + token + b"'\n"] + lines[pos:]
        data = b"".join(text)
        whole = SCANNER.scan(data, "app.py").findings
        assert [f.line for f in whole] == [pos + 1]
        for size in (1000, 4096, 77_777):
            got = scan_stream(SCANNER, _chunks(data, size), "app.py", window=window, overlap=overlap)
            assert _where(got.findings) == _where(whole), (pos, size)


@pytest.mark.parametrize("minified", [False, True])
def test_a_token_straddling_every_window_boundary_is_found_once(minified: bool) -> None:
    """Slide a token across the first window's end one byte at a time. Windows end at a line end;
    on one long line (minified text) they are cut mid-line, through the token."""
    token = secret("%%github:ghp_%%").encode()
    window, overlap = 4096, 512
    for shift in range(-60, 60, 3):
        head = b"x" * (window - 20 + shift - 1) + (b" " if minified else b"\n")
        tail = b" y" * 3000 if minified else b"tail\n" * 2000
        data = head + b"k = " + token + (b" " if minified else b"\n") + tail
        whole = SCANNER.scan(data, "a.txt").findings
        assert [(f.rule_id, f.offset) for f in whole] == [("github-pat", len(head) + 4)]
        got = scan_stream(SCANNER, _chunks(data, 1024), "a.txt", window=window, overlap=overlap)
        assert _where(got.findings) == _where(whole), shift


def test_a_key_pair_and_a_private_key_across_a_boundary_are_seen_whole() -> None:
    key_id, key = aws_pair()
    pem = secret("%%pem:RSA_PRIVATE_KEY%%").encode()
    body = b"".join(_filler(200))
    data = (
        body
        + b"AWS_ACCESS_KEY_ID=" + key_id.encode() + b"\n"
        + b"# a comment between them\n"
        + b"AWS_SECRET_ACCESS_KEY=" + key.encode() + b"\n"
        + body
        + pem + b"\n"
        + body
    )  # fmt: skip
    whole = SCANNER.scan(data, "deploy.env").findings
    assert {f.rule_id for f in whole} >= {"aws-access-key-id", "aws-secret-access-key"}
    assert any(f.rule_id.startswith("private-key") for f in whole)
    for window in (len(body) + 40, len(body) + 90, 2 * len(body) + 200, 2 * len(body) + 600):
        got = scan_stream(SCANNER, _chunks(data, 997), "deploy.env", window=window, overlap=4096)
        assert _where(got.findings) == _where(whole), window


def test_later_windows_of_a_binary_stay_binary_and_of_a_text_stay_text() -> None:
    token = secret("%%github:ghp_%%").encode()
    generic = b'password = "' + secret("%%rand:alnum:20%%").encode() + b'"\n'
    binary = b"\x00\x01\x02" + b"noise\n" * 4000 + generic + b"\x00" + token + b"\x00" + b"more\n" * 2000
    whole = SCANNER.scan(binary, "blob.bin")
    got = scan_stream(SCANNER, _chunks(binary, 4096), "blob.bin", window=8192, overlap=1024)
    assert got.kind == whole.kind == "binary"
    assert _where(got.findings) == _where(whole.findings)
    assert [f.rule_id for f in got.findings] == ["github-pat"]  # the generic rule does not read binaries
    text = b"config\n" * 4000 + b"junk\x00junk\n" + generic + b"more\n" * 2000
    whole = SCANNER.scan(text, "conf.txt")
    got = scan_stream(SCANNER, _chunks(text, 4096), "conf.txt", window=8192, overlap=1024)
    assert got.kind == whole.kind == "text"
    assert _where(got.findings) == _where(whole.findings) and got.findings


def test_utf16_is_transcoded_as_it_streams() -> None:
    token = secret("%%github:ghp_%%")
    text = "".join(f"line {i}\n" for i in range(5000)) + f"TOKEN = '{token}'\n" + "end\n" * 100
    data = text.encode("utf-16")
    got = scan_stream(SCANNER, _chunks(data, 4095), "win.env", window=8192, overlap=1024)
    assert got.kind == "utf-16"
    assert [(f.rule_id, f.line) for f in got.findings] == [("github-pat", 5001)]


def test_an_empty_stream_is_an_empty_text() -> None:
    got = scan_stream(SCANNER, [], "empty.txt")
    assert got.findings == [] and got.kind == "text"
