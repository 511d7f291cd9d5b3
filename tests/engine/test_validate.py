"""Offline validators: checksums and structure confirm or reject a regex hit."""

from __future__ import annotations

import base64
import json

import pytest

from credgate.engine import validate
from tests.conftest import secret


def flip_last(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize("prefix", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])
def test_github_checksum(prefix: str) -> None:
    token = secret(f"%%github:{prefix}%%")
    assert validate.github_crc32(token.encode()) is True
    assert validate.github_crc32(flip_last(token).encode()) is False


def test_npm_checksum() -> None:
    token = secret("%%npm%%")
    assert validate.npm_crc32(token.encode()) is True
    assert validate.npm_crc32(flip_last(token).encode()) is False


def test_jwt_structure() -> None:
    assert validate.jwt_structure(secret("%%jwt%%").encode()) is True
    not_json = b"eyJub3QganNvbg.eyJhIjoxfQ.c2lnbmF0dXJlc2lnbmF0dXJl"
    assert validate.jwt_structure(not_json) is False
    no_alg = base64.urlsafe_b64encode(json.dumps({"typ": "JWT"}).encode()).rstrip(b"=")
    assert validate.jwt_structure(no_alg + b".eyJhIjoxfQ.c2lnbmF0dXJl") is False


def test_pypi_macaroon_location() -> None:
    body = base64.urlsafe_b64encode(b"\x02\x01\x08pypi.org\x02\x01" + bytes(range(40))).rstrip(b"=")
    assert validate.pypi_macaroon(b"pypi-" + body) is True
    other = base64.urlsafe_b64encode(b"\x02\x01\x08example.com" + bytes(range(40))).rstrip(b"=")
    assert validate.pypi_macaroon(b"pypi-" + other) is False


def test_pem_der_accepts_whole_keys_and_rejects_cut_ones() -> None:
    import base64

    from credgate.engine.validate import pem_der

    whole = secret("%%pem:PRIVATE_KEY%%").encode()
    assert pem_der(whole) is True
    raw = base64.b64decode(b"".join(whole.split(b"\n")[1:-1]))
    cut = base64.b64encode(raw[:60])
    assert pem_der(b"-----BEGIN PRIVATE KEY-----\n" + cut + b"\n-----END PRIVATE KEY-----") is False
    assert pem_der(b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----") is False
    encrypted = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAA\n-"
    assert pem_der(encrypted) is None


def test_grafana_key_needs_name_and_org() -> None:
    import base64
    import json

    from credgate.engine.validate import grafana_key

    def b64(doc: dict[str, object]) -> bytes:
        return base64.b64encode(json.dumps(doc).encode())

    assert grafana_key(b64({"k": secret("%%rand:alnum:32%%"), "n": "ci", "id": 1})) is True
    assert grafana_key(b64({"k": secret("%%rand:alnum:32%%"), "t": "report", "c": 5})) is False


def test_pem_der_accepts_openssh_bodies_under_any_label() -> None:
    from credgate.engine.validate import pem_der

    body = base64.b64encode(b"openssh-key-v1\0" + b"\0\0\0\x04none" + bytes(range(256))).decode()
    lines = "\n".join(body[i : i + 70] for i in range(0, len(body), 70))
    block = f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"
    assert pem_der(block.encode()) is True


def test_teamwork_token_decodes_to_its_layout() -> None:
    token = secret("%%teamwork%%")
    assert validate.teamwork_token(token.encode()) is True
    random_body = "tkn.v1_" + base64.b64encode(secret("%%rand:alnum:52%%").encode()).decode()
    assert validate.teamwork_token(random_body.encode()) is False
    assert validate.teamwork_token(b"tkn.v1_not*base64") is False


def test_teamwork_token_that_does_not_decode_is_a_notice() -> None:
    from credgate.engine.rules import load
    from credgate.engine.scanner import Scanner

    scanner = Scanner(load())
    [found] = scanner.scan(f"TEAMWORK_API_KEY={secret('%%teamwork%%')}\n".encode(), "deploy.sh").findings
    assert (found.rule_id, found.blocking, found.confidence) == ("teamwork-api-token", True, "high")
    fake = "tkn.v1_" + base64.b64encode(secret("%%rand:alnum:51%%").encode()).decode()
    [found] = scanner.scan(f"teamwork tkn {fake}\n".encode(), "notes.txt").findings
    assert (found.rule_id, found.blocking, found.advisory) == (
        "teamwork-api-token",
        False,
        "failed-teamwork-token",
    )
