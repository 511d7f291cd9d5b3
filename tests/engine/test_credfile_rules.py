"""Issue 18 item 3: keystores, DER private keys and Terraform state block every content gate, through
detector rules of the engine (rules/credential-file-content.toml, engine/credfiles.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from credgate.engine import credfiles, rules
from credgate.engine.check import check
from credgate.engine.credfile_synth import credfile
from credgate.engine.rules import RuleError, RuleSet, load_file
from credgate.engine.scanner import Scanner
from tests.conftest import secret

DETECTOR_RULES = {
    "der-private-key",
    "pkcs12-keystore",
    "java-keystore",
    "keepass-database",
    "terraform-state",
}


def scanner(notices: str = "report") -> Scanner:
    return Scanner(rules.load(), notices=notices)


def sample(kind: str, variant: str = "") -> bytes:
    return credfile(random.Random(kind + variant + "test"), kind, variant)


def state() -> bytes:
    doc = {
        "version": 4,
        "terraform_version": "1.9.0",
        "serial": 3,
        "lineage": secret("%%rand:hex:8%%-%%rand:hex:4%%-%%rand:hex:4%%-%%rand:hex:4%%-%%rand:hex:12%%"),
        "resources": [{"type": "aws_db_instance", "instances": [{"attributes": {"password": "x"}}]}],
    }
    return json.dumps(doc, indent=2).encode()


def test_detector_rules_are_rules_listed_and_checked() -> None:
    ruleset = rules.load()
    assert set(ruleset.by_id) >= DETECTOR_RULES
    assert {r.id for r in ruleset.detectors} == DETECTOR_RULES
    assert check(RuleSet(ruleset.detectors)) == []


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("der-rsa", "der-private-key"),
        ("der-pkcs8", "der-private-key"),
        ("der-ed25519", "der-private-key"),
        ("der-ec", "der-private-key"),
        ("der-dsa", "der-private-key"),
        ("der-encrypted", "der-private-key"),
        ("pkcs12", "pkcs12-keystore"),
        ("jks", "java-keystore"),
        ("jceks", "java-keystore"),
        ("kdbx", "keepass-database"),
    ],
)
def test_each_structure_is_a_blocking_finding_whatever_the_name(kind: str, rule: str) -> None:
    data = sample(kind)
    for name in ("cert.bin", "assets/blob", "CERT.PFX", "release.JKS", "x.png"):
        found = scanner().scan(data, name).findings
        assert [(f.rule_id, f.blocking) for f in found] == [(rule, True)], name
        f = found[0]
        # The secret is a digest of the file: none of its bytes, and nothing of them when redacted.
        assert f.secret == credfiles.content_id(data)
        assert f.secret not in data and f.redacted() == f.secret[:4].decode() + "****"
        assert f.line == 1 and f.end_line == data.count(b"\n") + 1


def test_terraform_state_is_found_by_content() -> None:
    found = scanner().scan(state(), "infra/prod.json").findings
    assert "terraform-state" in {f.rule_id for f in found}


@pytest.mark.parametrize("kind", ["der-certificate", "der-noise", "der-rsa:truncated", "pkcs12:truncated"])
def test_look_alikes_are_not_findings(kind: str) -> None:
    data = sample(*kind.split(":"))
    assert scanner().scan(data, "cert.bin").findings == []


def test_a_key_with_bytes_appended_is_not_a_der_structure() -> None:
    assert scanner().scan(sample("der-rsa") + b"\0", "cert.bin").findings == []


def test_plan_json_and_nested_noise_are_not_state() -> None:
    plan = json.dumps({"format_version": "1.2", "terraform_version": "1.6.2"}).encode()
    assert scanner().scan(plan, "plan.json").findings == []
    # A parser-stack bomb after the header is no state and no crash.
    bomb = b'{"terraform_version": "1", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    assert [f.rule_id for f in scanner().scan(bomb, "x.json").findings] == []


def test_in_a_test_path_a_keystore_is_a_notice_and_notices_settings_apply() -> None:
    data = sample("jks")
    path = "src/test/resources/keystore.jks"
    (f,) = scanner().scan(data, path).findings
    assert not f.blocking and f.advisory == "in-test-file"
    (f,) = scanner("block").scan(data, path).findings
    assert f.blocking
    result = scanner("hide").scan(data, path)
    assert result.findings == [] and result.suppressed == [("java-keystore", 1, "in-test-file")]


def test_disable_rules_turns_a_detector_off() -> None:
    ruleset = rules.load().without(["java-keystore"])
    assert Scanner(ruleset).scan(sample("jks"), "release.jks").findings == []


def test_a_detector_rule_file_is_validated(tmp_path: Path) -> None:
    p = tmp_path / "custom.toml"
    p.write_text('[[rule]]\nid = "x"\nname = "x"\ndetector = "nope"\nhint = "h"\n')
    with pytest.raises(RuleError, match="detector must be one of"):
        load_file(str(p))
    p.write_text('[[rule]]\nid = "x"\nname = "x"\ndetector = "java-keystore"\nregex = "a"\nhint = "h"\n')
    with pytest.raises(RuleError, match="has no regex"):
        load_file(str(p))
    # A detector rule whose examples it does not find fails `rules check`.
    p.write_text(
        '[[rule]]\nid = "x"\nname = "x"\ndetector = "java-keystore"\nhint = "h"\nreferences = ["r"]\n'
        'examples = ["%%credfile:pkcs12%%"]\nnegative_examples = ["%%credfile:jks%%"]\n'
    )
    problems = check(RuleSet(load_file(str(p))))
    assert [p.message for p in problems] == [
        "example #1 is not found by the rule",
        "negative example #1 is matched by the rule",
    ]


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("pkcs12", "pkcs12-keystore"),
        ("jks", "java-keystore"),
        ("der-rsa", "der-private-key"),
        ("der-ed25519", "der-private-key"),
    ],
)
def test_a_keystore_or_key_in_base64_is_found_as_a_value_or_wrapped_file(kind: str, rule: str) -> None:
    import base64
    import textwrap

    encoded = base64.b64encode(sample(kind)).decode()
    wrapped = "\n".join(textwrap.wrap(encoded, 76))  # what `base64 release.jks > release.b64` writes
    block = wrapped.replace("\n", "\n    ")
    texts = {
        "ci/vars.env": f"SIGNING_STORE_B64={encoded}\n",
        "release.b64": wrapped + "\n",
        "ci.yml": f"signing:\n  store: |\n    {block}\nnext: 1\n",
    }
    for path, text in texts.items():
        found = [(f.rule_id, f.line, f.blocking) for f in scanner().scan(text.encode(), path).findings]
        line = 3 if path == "ci.yml" else 1
        assert (rule, line, True) in found and len([f for f in found if f[0] == rule]) == 1, (path, found)


def test_a_pem_body_or_a_certificate_in_base64_is_not_a_detector_finding() -> None:
    import base64
    import textwrap

    body = "\n".join(textwrap.wrap(base64.b64encode(sample("der-pkcs8")).decode(), 64))
    pem = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    assert [f.rule_id for f in scanner().scan(pem.encode(), "k.txt").findings] == ["private-key-pem"]
    cert = base64.b64encode(sample("der-certificate")).decode()
    assert scanner().scan(f"CERT={cert}\n".encode(), "x.txt").findings == []


def test_many_base64_keystores_in_one_file_cost_linear_time() -> None:
    import base64
    import time

    one = b"K: " + base64.b64encode(b"\xfe\xed\xfe\xed\0\0\0\x02" + b"\x01" * 40) + b"\n-\n"
    s = scanner()

    def timed(n: int) -> float:
        start = time.perf_counter()
        found = s.scan(one * n, "x.txt").findings
        assert len(found) == n  # each one is reported, at its own line
        assert found[-1].line == 2 * n - 1
        return time.perf_counter() - start

    timed(200)
    small, large = timed(2000), timed(8000)
    assert large < 8 * small + 0.5  # 4x the input: about 4x the time, never 16x


def test_a_rule_cannot_pair_with_a_detector_rule(tmp_path: Path) -> None:
    p = tmp_path / "custom.toml"
    p.write_text(
        '[[rule]]\nid = "x"\nname = "x"\nkeywords = ["k"]\nregex = "k(?P<secret>[0-9]{8})"\nhint = "h"\n'
        'near = { rule = "java-keystore", lines = 2 }\n'
    )
    with pytest.raises(RuleError, match="is a detector rule"):
        RuleSet([*rules.load().rules, *load_file(str(p))])
