"""The engine on its own: bytes in, findings out."""

from __future__ import annotations

import time

import pytest

from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import aws_pair, env_file_with_aws, secret


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def rule_ids(scanner: Scanner, text: str | bytes, path: str = "file.txt") -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [f.rule_id for f in scanner.scan(data, path).findings]


def test_aws_pair_is_found_and_paired(scanner: Scanner) -> None:
    result = scanner.scan(env_file_with_aws().encode(), ".env.master")
    by_rule = {f.rule_id: f for f in result.findings}
    assert set(by_rule) == {"aws-access-key-id", "aws-secret-access-key"}
    key_id = by_rule["aws-access-key-id"]
    assert (key_id.line, key_id.col) == (2, 19)
    assert key_id.confidence == "high"
    assert key_id.note == "paired with aws-secret-access-key at line 3"


def test_bare_aws_secret_needs_a_key_id_nearby(scanner: Scanner) -> None:
    key_id, key = aws_pair()
    assert rule_ids(scanner, f"value {key}\n") == []
    assert "aws-secret-access-key-paired" in rule_ids(scanner, f"{key_id}\n{key}\n")
    far = f"{key_id}\n" + "\n" * 10 + f"{key}\n"
    assert "aws-secret-access-key-paired" not in rule_ids(scanner, far)


def test_aws_documentation_keys_are_not_findings(scanner: Scanner) -> None:
    text = (
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    assert rule_ids(scanner, text) == []


@pytest.mark.parametrize(
    "line",
    [
        "api_key = 'your-api-key-here'",
        "password: ${DB_PASSWORD}",
        "token: <TOKEN>",
        "secret = 'xxxxxxxxxxxxxxxx'",
        "password=changeme",
        'password: "{{ secrets.DB_PASSWORD }}"',
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_placeholders_are_not_findings(scanner: Scanner, line: str) -> None:
    assert rule_ids(scanner, line + "\n") == []


def test_github_token_found_with_redaction(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    [finding] = scanner.scan(f"token: {token}\n".encode(), "ci.yml").findings
    assert finding.rule_id == "github-pat"
    assert finding.redacted() == "ghp_****"
    assert token not in repr(finding)


def test_multiline_private_key_spans_its_lines(scanner: Scanner) -> None:
    pem = secret("%%pem:RSA_PRIVATE_KEY%%")
    [finding] = scanner.scan(f"# deploy key\n{pem}\n".encode(), "id_rsa").findings
    assert finding.rule_id == "private-key-pem"
    assert finding.line == 2
    assert finding.end_line == 1 + pem.count("\n") + 1


def test_generic_password_in_env_file(scanner: Scanner) -> None:
    assert rule_ids(scanner, "DB_PASSWORD=hunter2x\n", ".env.production") == ["generic-password-assignment"]


def test_generic_rule_ignores_code_identifiers(scanner: Scanner) -> None:
    assert rule_ids(scanner, "password = settings.db_password\n", "app.py") == []
    assert rule_ids(scanner, "password = user_password\n", "app.py") == []


def test_provider_rule_wins_over_generic(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    assert rule_ids(scanner, f'api_token = "{token}"\n') == ["github-pat"]


def test_inline_allow_markers(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    assert rule_ids(scanner, f"t = '{token}'  # credgate:allow\n") == []
    assert rule_ids(scanner, f"t = '{token}'  # credgate:allow=github-pat\n") == []
    assert rule_ids(scanner, f"t = '{token}'  # credgate:allow=slack-bot-token\n") == ["github-pat"]
    assert rule_ids(scanner, f"# credgate:allow-next-line\nt = '{token}'\n") == []
    assert rule_ids(scanner, f"t = '{token}'  # pragma: allowlist secret\n") == []


def test_binary_content_is_searched_for_high_confidence_tokens_only(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    blob = b"\x00\x01\x02ELF\x00" + token.encode() + b"\x00" + b"password=hunter2x\x00"
    result = scanner.scan(blob, "app.bin")
    assert result.kind == "binary"
    assert [f.rule_id for f in result.findings] == ["github-pat"]


def test_utf16_text_is_decoded(scanner: Scanner) -> None:
    text = env_file_with_aws()
    for encoding in ("utf-16-le", "utf-16-be"):
        bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
        result = scanner.scan(bom + text.encode(encoding), "win.env")
        assert result.kind == "utf-16"
        assert {f.rule_id for f in result.findings} == {"aws-access-key-id", "aws-secret-access-key"}


def test_non_utf8_content_never_crashes(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    data = "café = 1\n".encode("latin-1") + b"\xff\xfe\xfd junk\n" + f"x = {token}\n".encode()
    [finding] = scanner.scan(data, "latin1.txt").findings
    assert (finding.line, finding.col) == (3, 5)


def test_column_counts_characters_not_bytes(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    [finding] = scanner.scan(f"ü€ = {token}\n".encode(), "x.txt").findings
    assert finding.col == 6


@pytest.mark.parametrize(
    "unit", [b"a", b"A1", b"ghp_", b"password=", b"-----BEGIN ", b"://a:", b"AKIA", b"="]
)
def test_no_rule_takes_superlinear_time(scanner: Scanner, unit: bytes) -> None:
    line = unit * (1_000_000 // len(unit))
    start = time.perf_counter()
    scanner.scan(b"password = aws_secret token ghp_ AKIA :// -----BEGIN PRIVATE KEY-----\n" + line, "big.txt")
    assert time.perf_counter() - start < 10, "a rule took far longer than a linear scan of 1 MB"


def b64(text: str | bytes) -> str:
    import base64

    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def test_token_inside_base64_is_found_where_the_encoded_value_sits(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    manifest = f"apiVersion: v1\nkind: Secret\ndata:\n  token: {b64('GITHUB_TOKEN=' + token)}\n"
    [finding] = scanner.scan(manifest.encode(), "secret.yaml").findings
    assert (finding.rule_id, finding.line, finding.col) == ("github-pat", 4, 10)
    assert "inside base64" in finding.note and finding.redacted() == "ghp_****"


def test_base64_runs_are_found_alike_in_lock_files_and_in_source(scanner: Scanner) -> None:
    # Lock files use another regex engine for the base64 runs (speed); what is found must not change.
    token = secret("%%github:ghp_%%")
    encoded = b64("GITHUB_TOKEN=" + token)
    hashes = "".join(f'  integrity "sha512-{b64(bytes([i]) * 64)}"\n' for i in range(50))
    text = f"{hashes}  blob {encoded}\n{hashes}".encode()
    for path in ("yarn.lock", "package-lock.json", "go.sum", "settings.py"):
        found = [(f.rule_id, f.line, f.note) for f in scanner.scan(text, path).findings]
        assert found == [("github-pat", 51, "inside base64")], path


def test_base64_decoding_is_bounded_and_skips_data_uris(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    twice = b64(b64("token " + token))
    assert [f.rule_id for f in scanner.scan(f"v = {twice}\n".encode(), "a.txt").findings] == ["github-pat"]
    thrice = b64(b64(b64("token " + token)))
    assert scanner.scan(f"v = {thrice}\n".encode(), "a.txt").findings == []
    data_uri = f'<img src="data:text/plain;base64,{b64("token " + token)}">'
    assert scanner.scan(data_uri.encode(), "page.html").findings == []


def test_generic_rule_does_not_read_decoded_text(scanner: Scanner) -> None:
    encoded = b64("password=" + secret("%%rand:alnum:12%%") + " and some more words here")
    assert scanner.scan(f"blob {encoded}\n".encode(), "a.txt").findings == []


def notebook(cells: list[dict[str, object]]) -> bytes:
    import json

    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1).encode()


def test_notebook_findings_name_the_cell_and_the_file_line(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    nb = notebook(
        [
            {"cell_type": "markdown", "source": ["# Setup\n", "Run the cells below.\n"]},
            {
                "cell_type": "code",
                "source": ["import os\n", f"client = Client(token='{token}')\n"],
                "outputs": [
                    {"output_type": "display_data", "data": {"image/png": b64(bytes(range(256)) * 8)}}
                ],
            },
        ]
    )
    [finding] = scanner.scan(nb, "analysis.ipynb").findings
    assert finding.rule_id == "github-pat"
    assert "cell 2 (code), line 2" in finding.note
    file_line = nb.decode().splitlines()[finding.line - 1]
    assert token in file_line


def test_notebook_outputs_are_scanned_and_invalid_json_falls_back(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    nb = notebook(
        [{"cell_type": "code", "source": "print(t)", "outputs": [{"output_type": "stream", "text": [token]}]}]
    )
    [finding] = scanner.scan(nb, "leak.ipynb").findings
    assert "cell 1 (output)" in finding.note
    broken = b'{"cells": [' + f'"{token}"'.encode()
    assert [f.rule_id for f in scanner.scan(broken, "broken.ipynb").findings] == ["github-pat"]


def test_token_inside_url_encoding_is_found(scanner: Scanner) -> None:
    from urllib.parse import quote

    token = secret("%%github:ghp_%%")
    line = "GET /callback?state=abc&cfg=" + quote('{"token": "' + token + '"}', safe="") + " HTTP/1.1\n"
    # Raw, "%22ghp_..." has no word boundary before the token: only the decoded text shows it.
    [finding] = scanner.scan(line.encode(), "access.log").findings
    assert finding.rule_id == "github-pat" and "inside URL encoding" in finding.note
