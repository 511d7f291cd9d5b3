"""Names and values joined by the file's structure (engine/structure.py): env entries, Terraform, YAML
block scalars and JSON Web Keys, and the look-alikes that must stay quiet."""

from __future__ import annotations

import time

import pytest

from credgate.engine import structure
from credgate.engine.finding import Finding
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import secret


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def password() -> str:
    """A password no filter calls weak or made up: random letters and digits around a symbol."""
    return secret("%%rand:alnum:10%%!%%rand:digit:3%%%%rand:alnum:3%%")


def findings(scanner: Scanner, text: str, path: str) -> list[Finding]:
    return scanner.scan(text.encode(), path).findings


def only(scanner: Scanner, text: str, path: str) -> Finding:
    found = findings(scanner, text, path)
    assert len(found) == 1, [(f.rule_id, f.line, f.note) for f in found]
    return found[0]


def position(text: str, value: str) -> tuple[int, int]:
    """1-based line and column of the value's first occurrence in the text."""
    at = text.index(value)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


# --------------------------------------------------------------------------- env entries


def test_kubernetes_env_entry_is_found_at_the_value(scanner: Scanner) -> None:
    value = password()
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - name: api\n          image: acme/api:1.4\n          env:\n"
        "            - name: LOG_LEVEL\n              value: info\n"
        f'            - name: DATABASE_PASSWORD\n              value: "{value}"\n'
    )
    f = only(scanner, text, "deploy/api.yaml")
    assert f.rule_id == "env-entry-secret"
    assert f.secret == value.encode()
    assert (f.line, f.col) == position(text, value)
    assert f.end_line == f.line
    assert f.blocking
    assert "DATABASE_PASSWORD" in f.note and "line 12" in f.note


@pytest.mark.parametrize(
    "entry",
    [
        # value before name, a comment between, a nested sibling between, CloudFormation's capitals
        "- value: '{v}'\n  name: DB_PASSWORD\n",
        "- name: DB_PASSWORD\n  # rotated by hand\n  value: {v}\n",
        "- name: DB_PASSWORD\n  resources:\n    limits:\n      cpu: 1\n  value: {v}\n",
        "- Name: DB_PASSWORD\n  Value: {v}\n",
        "-   name: DB_PASSWORD\n    value: |\n      {v}\n",
        '- image: x\n  name: DB_PASSWORD\n  value: "{v}"\n',
    ],
)
def test_env_entry_in_any_key_order(scanner: Scanner, entry: str) -> None:
    value = password()
    text = "env:\n" + "".join("  " + line + "\n" for line in entry.format(v=value).splitlines())
    f = only(scanner, text, "pod.yml")
    assert (f.rule_id, f.secret) == ("env-entry-secret", value.encode())
    assert (f.line, f.col) == position(text, value)


def test_ecs_task_definition_pretty_printed(scanner: Scanner) -> None:
    value = password()
    text = (
        '{\n  "family": "api",\n  "containerDefinitions": [\n    {\n      "name": "api",\n'
        '      "environment": [\n        {\n          "name": "STAGE",\n'
        '          "value": "prod"\n        },\n'
        '        {\n          "value": "' + value + '",\n          "name": "DB_PASSWORD"\n        }\n'
        "      ]\n    }\n  ]\n}\n"
    )
    f = only(scanner, text, "task-definition.json")
    assert (f.rule_id, f.secret) == ("env-entry-secret", value.encode())
    assert (f.line, f.col) == position(text, value)


def test_cloudformation_json_and_compose_block_scalar(scanner: Scanner) -> None:
    a, b = password(), password()
    cfn = '{"Environment": [\n  {\n    "Name": "API_TOKEN",\n    "Value": "' + a + '"\n  }\n]}\n'
    assert (only(scanner, cfn, "stack.json").rule_id, only(scanner, cfn, "stack.json").secret) == (
        "env-entry-secret",
        a.encode(),
    )
    compose = f"services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: >-\n        {b}\n"
    f = only(scanner, compose, "compose.yaml")
    assert (f.rule_id, f.secret) == ("yaml-multiline-secret", b.encode())


def test_yaml_flow_mapping_env_entry(scanner: Scanner) -> None:
    value = password()
    text = f"env:\n  - {{name: DB_PASSWORD, value: {value} }}  # prod\n  - {{name: MODE, value: x}}\n"
    f = only(scanner, text, "pod.yaml")
    assert (f.rule_id, f.secret) == ("env-entry-secret", value.encode())
    assert (f.line, f.col) == position(text, value)
    # In code an unquoted value is an expression, not the credential.
    assert findings(scanner, "env = [{name: 'DB_PASSWORD', value: dbPassword}]\n", "stack.ts") == []


def test_js_object_env_list(scanner: Scanner) -> None:
    value = password()
    text = f"const env = [\n  {{ name: 'DB_PASSWORD',\n    value: '{value}' }},\n];\n"
    f = only(scanner, text, "stack.ts")
    assert (f.rule_id, f.secret) == ("env-entry-secret", value.encode())


@pytest.mark.parametrize(
    "text",
    [
        "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db\n"
        "        key: password\n",
        'env:\n  - name: DB_PASSWORD\n    value: "{{ .Values.db.password }}"\n',
        "env:\n  - name: DB_PASSWORD\n    value: $(DB_PASSWORD)\n",
        "env:\n  - name: DB_PASSWORD\n    value: <db-password>\n",
        "env:\n  - name: DB_PASSWORD\n    value: changeme\n",
        'env:\n  - name: DB_PASSWORD\n    value: ""\n',
        'env:\n  - name: TOKEN_TTL_SECONDS\n    value: "3600"\n',
        # the value belongs to the next item, not to the name above it
        "env:\n  - name: DB_PASSWORD\n    valueFrom: {secretKeyRef: {name: db, key: pw}}\n"
        "  - name: MODE\n    value: {v}\n",
        "env:\n  - name: DB_HOST\n    value: {v}\n",
        '[{"name": "DB_PASSWORD", "value": "${DB_PASSWORD}"}]',
        '[{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/db"}]',
    ],
)
def test_env_entry_look_alikes_stay_quiet(scanner: Scanner, text: str) -> None:
    assert findings(scanner, text.replace("{v}", password()), "deploy.yaml") == []


def test_provider_token_under_value_is_reported_once(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    text = f"env:\n  - name: GITHUB_TOKEN\n    value: {token}\n"
    f = only(scanner, text, "ci.yaml")
    assert f.rule_id.startswith("github")


def test_compose_environment_list_still_found(scanner: Scanner) -> None:
    value = password()
    text = f"services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={value}\n"
    f = only(scanner, text, "docker-compose.yml")
    assert f.secret == value.encode()


# --------------------------------------------------------------------------- Terraform / HCL


def test_terraform_variable_default_lines_below_the_name(scanner: Scanner) -> None:
    value = password()
    text = (
        'variable "db_password" {\n  description = "Master password for {the} db"\n  type = string\n'
        f'  validation {{\n    condition = length(var.db_password) > 8\n    error_message = "short"\n  }}\n'
        f'  sensitive = true\n  default = "{value}"\n}}\n'
    )
    f = only(scanner, text, "variables.tf")
    assert (f.rule_id, f.secret) == ("terraform-secret", value.encode())
    assert (f.line, f.col) == position(text, value)
    assert "db_password" in f.note


def test_terraform_one_line_variable_heredoc_and_json(scanner: Scanner) -> None:
    a, b, c = password(), password(), password()
    one = f'variable "api_token" {{ default = "{a}" }}\n'
    assert only(scanner, one, "main.tf").secret == a.encode()
    heredoc = f"admin_password = <<-EOT\n  {b}\nEOT\n"
    assert only(scanner, heredoc, "prod.tfvars").secret == b.encode()
    tf_json = '{\n  "variable": {\n    "db_password": {\n      "default": "' + c + '"\n    }\n  }\n}\n'
    f = only(scanner, tf_json, "main.tf.json")
    assert (f.rule_id, f.secret) == ("terraform-secret", c.encode())


def test_tfvars_and_provider_blocks_keep_working(scanner: Scanner) -> None:
    a, b = password(), password()
    assert only(scanner, f'db_password = "{a}"\n', "prod.tfvars").secret == a.encode()
    provider = f'provider "postgresql" {{\n  host = "db"\n  password = "{b}"\n}}\n'
    assert only(scanner, provider, "main.tf").secret == b.encode()


@pytest.mark.parametrize(
    "text",
    [
        'variable "db_password" {\n  type      = string\n  sensitive = true\n}\n',
        'variable "db_password" {\n  type = string\n}\n\nvariable "region" {\n  default = "eu-west-1"\n}\n',
        'variable "db_password" {\n  default = var.other\n}\n',
        'variable "db_password" {\n  default = "${var.env}-pw"\n}\n',
        'variable "db_password" {\n  default = null\n}\n',
        'variable "db_host" {\n  default = "{v}"\n}\n',
        'policy = <<EOT\n{\n  "Version": "2012-10-17"\n}\nEOT\n',
    ],
)
def test_terraform_look_alikes_stay_quiet(scanner: Scanner, text: str) -> None:
    assert findings(scanner, text.replace("{v}", password()), "variables.tf") == []


def test_terraform_structure_only_in_terraform_files(scanner: Scanner) -> None:
    text = f'variable "db_password" {{\n  default = "{password()}"\n}}\n'
    assert [f.rule_id for f in findings(scanner, text, "notes.txt")] == []


# --------------------------------------------------------------------------- YAML block scalars


@pytest.mark.parametrize(
    "shape",
    [
        "db:\n  password: |\n    {v}\n  user: app\n",
        "db:\n  password: >-\n    {v}\n",
        "db:\n  password: |2\n\n    {v}\n",
        "smtp_api_key:\n  {v}\n",
        'smtp_api_key:\n  "{v}"\n',
        "users:\n  - client_secret:\n      {v}\n",
    ],
)
def test_yaml_value_on_the_next_line(scanner: Scanner, shape: str) -> None:
    value = password()
    text = shape.format(v=value)
    f = only(scanner, text, "values.yaml")
    assert (f.rule_id, f.secret) == ("yaml-multiline-secret", value.encode())
    assert (f.line, f.col) == position(text, value)


@pytest.mark.parametrize(
    "text",
    [
        "password:\n  file: /run/secrets/db\n",
        "password:\n  - {v}\n",
        "private_key: |\n  {v}\n  {v}\n",
        "password: |\n  {{ .Values.password }}\n",
        "password: >-\n  ${DB_PASSWORD}\n",
        "password: |\n  <paste the password here>\n",
        "password_hint:\n  Your password must be at least twelve characters long\n",
        "password:\n# {v}\nuser: x\n",
        "password:\nnext: {v}\n",
    ],
)
def test_yaml_multiline_look_alikes_stay_quiet(scanner: Scanner, text: str) -> None:
    assert findings(scanner, text.replace("{v}", password()), "values.yaml") == []


def test_ansible_vault_block_is_not_a_structure_finding(scanner: Scanner) -> None:
    text = f"db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  {secret('%%rand:hex:64%%')}\n"
    assert [f for f in findings(scanner, text, "vars.yml") if f.rule_id == "yaml-multiline-secret"] == []


def test_block_scalars_only_in_yaml_files(scanner: Scanner) -> None:
    text = f"password: |\n  {password()}\n"
    assert findings(scanner, text, "notes.md") == []


# --------------------------------------------------------------------------- JSON Web Keys


def _b64u(n: int) -> str:
    return secret(f"%%rand:base64url:{n}%%")


def test_private_jwk_is_a_private_key(scanner: Scanner) -> None:
    d = _b64u(43)
    text = (
        '{\n  "kty": "EC",\n  "crv": "P-256",\n'
        f'  "x": "{_b64u(43)}",\n  "y": "{_b64u(43)}",\n  "d": "{d}"\n}}\n'
    )
    f = only(scanner, text, "signing-key.json")
    assert (f.rule_id, f.secret, f.severity) == ("jwk-private-key", d.encode(), "critical")
    assert (f.line, f.col) == position(text, d)


def test_jwk_set_rsa_and_symmetric_keys(scanner: Scanner) -> None:
    d, k = _b64u(342), _b64u(43)
    public = f'{{"kty": "RSA", "kid": "pub", "n": "{_b64u(342)}", "e": "AQAB"}}'
    private = (
        f'{{"kty": "RSA", "kid": "priv", "n": "{_b64u(342)}", "e": "AQAB", "d": "{d}", "p": "{_b64u(171)}"}}'
    )
    symmetric = f'{{"k": "{k}", "kty": "oct", "alg": "HS256"}}'
    text = '{"keys": [\n  ' + ",\n  ".join((public, private, symmetric)) + "\n]}\n"
    found = findings(scanner, text, "jwks.json")
    assert sorted((f.rule_id, f.secret) for f in found) == sorted(
        [("jwk-private-key", d.encode()), ("jwk-private-key", k.encode())]
    )


def test_private_jwk_deep_in_minified_json(scanner: Scanner) -> None:
    d = _b64u(43)
    filler = ",".join(f'{{"id": "{i}", "label": "a {{ b", "tags": ["x", "y]"]}}' for i in range(3000))
    jwk = f'{{"crv": "P-256", "d": "{d}", "x": "{_b64u(43)}", "y": "{_b64u(43)}", "kty": "EC"}}'
    text = '{"items": [' + filler + '], "key": ' + jwk + ', "more": [' + filler + "]}"
    f = only(scanner, text, "bundle.json")
    assert (f.rule_id, f.secret, f.line) == ("jwk-private-key", d.encode(), 1)
    assert f.col == text.index(d) + 1


@pytest.mark.parametrize(
    "text",
    [
        '{"keys": [{"kty": "RSA", "use": "sig", "n": "{n}", "e": "AQAB"}]}',
        '{"kty": "OKP", "crv": "Ed25519", "x": "{x}"}',
        '{"kty": "RSA", "n": "{n}", "e": "AQAB", "d": "<private exponent>"}',
        '{"d": "{x}", "kind": "point"}',
        '{"kty": "oct", "kid": "hmac-1"}',
    ],
)
def test_public_jwk_look_alikes_stay_quiet(scanner: Scanner, text: str) -> None:
    text = text.replace("{n}", _b64u(342)).replace("{x}", _b64u(43))
    assert findings(scanner, text, "jwks.json") == []


def test_private_jwk_in_a_test_fixture_is_a_notice(scanner: Scanner) -> None:
    text = f'{{"kty": "EC", "crv": "P-256", "x": "{_b64u(43)}", "y": "{_b64u(43)}", "d": "{_b64u(43)}"}}'
    f = only(scanner, text, "tests/fixtures/key.json")
    assert f.rule_id == "jwk-private-key" and not f.blocking


# --------------------------------------------------------------------------- shared behaviour


@pytest.mark.parametrize(
    "text",
    [
        "env:\n  - name: DB_PASSWORD\n    value: {v}  # credgate:allow\n",
        "env:\n  - name: DB_PASSWORD  # credgate:allow=env-entry-secret\n    value: {v}\n",
        "env:\n  - name: DB_PASSWORD\n    # credgate:allow-next-line\n    value: {v}\n",
        "env:\n  # credgate:allow-next-line\n  - name: DB_PASSWORD\n    value: {v}\n",
        'env:\n  - name: DB_PASSWORD\n    value: "{v}"  # pragma: allowlist secret\n',
    ],
)
def test_allow_markers_cover_the_entry(scanner: Scanner, text: str) -> None:
    assert findings(scanner, text.replace("{v}", password()), "pod.yaml") == []


def test_a_marker_for_another_rule_does_not_allow(scanner: Scanner) -> None:
    text = f"env:\n  - name: DB_PASSWORD  # credgate:allow=jwt\n    value: {password()}\n"
    assert [f.rule_id for f in findings(scanner, text, "pod.yaml")] == ["env-entry-secret"]


def test_suppressions_point_at_the_value_line(scanner: Scanner) -> None:
    text = "a: 1\nenv:\n  - name: DB_PASSWORD\n    value: ${DB_PASSWORD}\n"
    result = scanner.scan(text.encode(), "pod.yaml")
    assert result.findings == []
    assert ("env-entry-secret", 4, "reference") in result.suppressed


@pytest.mark.parametrize(
    "value", ["Summer2024", "summer", "changeme", "p@ssw0rd", "test", "{{ pw }}", "RANDOM"]
)
@pytest.mark.parametrize("path", ["pod.yaml", "tests/pod.yaml", "pod.example.yaml"])
def test_split_entry_gets_the_one_line_verdict(scanner: Scanner, value: str, path: str) -> None:
    value = password() if value == "RANDOM" else value
    one_line = [(f.blocking, f.secret) for f in findings(scanner, f"DB_PASSWORD: {value}\n", path)]
    split = [
        (f.blocking, f.secret)
        for f in findings(scanner, f"env:\n  - name: DB_PASSWORD\n    value: {value}\n", path)
    ]
    assert split == one_line


def test_disabled_structure_rule_is_not_run(scanner: Scanner) -> None:
    text = f"env:\n  - name: DB_PASSWORD\n    value: {password()}\n"
    without = Scanner(load().without(["env-entry-secret"]))
    assert findings(without, text, "pod.yaml") == []
    assert [f.rule_id for f in findings(scanner, text, "pod.yaml")] == ["env-entry-secret"]


def test_latin1_utf16_and_binary_input_do_not_crash(scanner: Scanner) -> None:
    value = password()
    text = f"env:\n  - name: DB_PASSWORD\n    value: {value}\n"
    assert only(scanner, "# caf\xe9\n" + text, "pod.yaml").secret == value.encode()
    latin1 = b"# caf\xe9\n" + text.encode()
    assert [f.secret for f in scanner.scan(latin1, "pod.yaml").findings] == [value.encode()]
    utf16 = text.encode("utf-16")
    f = scanner.scan(utf16, "pod.yaml").findings
    assert [x.rule_id for x in f] == ["env-entry-secret"]
    assert scanner.scan(b"\x00\x01" + text.encode(), "pod.yaml").kind == "binary"


def test_windows_line_endings(scanner: Scanner) -> None:
    a, b, c = password(), password(), password()
    k8s = f"env:\r\n  - name: DB_PASSWORD\r\n    value: {a}\r\n"
    assert only(scanner, k8s, "pod.yaml").secret == a.encode()
    tf = f'variable "db_password" {{\r\n  default = "{b}"\r\n}}\r\n'
    assert only(scanner, tf, "main.tf").secret == b.encode()
    block = f"password: |\r\n  {c}\r\n"
    assert only(scanner, block, "app.yml").secret == c.encode()


def test_pairs_reports_real_offsets() -> None:
    value = password()
    data = f"env:\n  - value: {value}\n    name: API_TOKEN\n".encode()
    (pair,) = structure.pairs(data, "pod.yaml")
    assert data[pair.start : pair.end] == value.encode()
    assert pair.name == b"API_TOKEN" and pair.rule == "env-entry-secret"


# --------------------------------------------------------------------------- bounded work


def test_many_entries_holding_provider_tokens_are_not_paired_one_by_one(scanner: Scanner) -> None:
    # Each value already holds a provider finding: the overlap check must not loop pairs x findings.
    token = secret("%%github:ghp_%%")
    data = (f"- name: GITHUB_TOKEN\n  value: {token}\n" * 5_000).encode()
    inner = scanner._scan(data, "pod.yaml", 0)
    start = time.perf_counter()
    result = structure.extend(scanner, data, "pod.yaml", inner)
    assert time.perf_counter() - start < 10.0
    assert len(result.findings) == 5_000
    assert not any(f.rule_id in structure.FAMILIES for f in result.findings)


@pytest.mark.parametrize(
    ("name", "data", "path"),
    [
        ("names without values", b"env:\n" + b"  - name: DB_PASSWORD\n" * 60_000, "pod.yaml"),
        ("one huge item", b"- name: DB_PASSWORD\n" + b"  name: DB_PASSWORD\n" * 60_000, "pod.yaml"),
        ("json names", b'[{"name": "DB_PASSWORD", "x": "' + b'a", "b": "' * 50_000 + b'"}]', "a.json"),
        ("deep nesting", b'{"kty": "RSA", "a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "a.json"),
        ("open brackets", b'{"kty": "oct", ' + b"{" * 300_000, "a.json"),
        ("many strings", b'{"kty": "oct", ' + b'"a",' * 300_000 + b"}", "a.json"),
        ("many kty", b'{"kty": "oct", "k": "' + b'a", "kty": "' * 100_000 + b'"}', "a.json"),
        ("block keys", b"password: |\n" * 40_000, "a.yaml"),
        ("variables", b'variable "db_password" {\n' * 40_000, "a.tf"),
        ("defaults", b'variable "db_password" {\n' + b"  x = {\n" * 60_000, "a.tf"),
    ],
)
def test_structure_readers_are_linear(scanner: Scanner, name: str, data: bytes, path: str) -> None:
    start = time.perf_counter()
    structure.pairs(data, path)
    assert time.perf_counter() - start < 6.0, name
