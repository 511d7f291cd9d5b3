"""engine/keyfiles.py: the content detectors of credential files, pure and checked by their own examples."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest

from credgate.commands import rules as rules_cmd
from credgate.commands._options import Options
from credgate.engine import keyfiles
from credgate.engine.synth import expand
from tests.conftest import secret


def test_every_detector_finds_its_examples_and_none_of_its_negatives() -> None:
    assert keyfiles.check_examples() == []
    assert {d.rule_id for d in keyfiles.DETECTORS} == {
        "private-key-putty",
        "npmrc-auth",
        "service-account-private-key",
    }
    assert all(d.examples and d.negative_examples for d in keyfiles.DETECTORS)


def test_a_detector_that_misses_its_example_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    (npm,) = [d for d in keyfiles.DETECTORS if d.rule_id == "npmrc-auth"]
    broken = keyfiles.Detector(
        npm.id, npm.rule_id, npm.name, npm.detect, "not-npmrc.txt",  # the path the detector does not read
        npm.examples[:1], ("_authToken=%%rand:alnum:30%%\n",),
    )  # fmt: skip
    monkeypatch.setattr(keyfiles, "DETECTORS", (broken,))
    assert keyfiles.check_examples() == [(npm.id, "example #1 is not found by the detector")]
    swapped = keyfiles.Detector(npm.id, npm.rule_id, npm.name, npm.detect, ".npmrc", (), npm.examples[:1])
    monkeypatch.setattr(keyfiles, "DETECTORS", (swapped,))
    assert keyfiles.check_examples() == [(npm.id, "negative example #1 is matched by the detector")]
    bad = keyfiles.Detector(npm.id, npm.rule_id, npm.name, npm.detect, ".npmrc", ("%%nope%%",), ())
    monkeypatch.setattr(keyfiles, "DETECTORS", (bad,))
    ((_, message),) = keyfiles.check_examples()
    assert message.startswith("example #1: bad template")


def test_npmrc_auth_finds_each_literal_value_with_its_position() -> None:
    token = secret("%%rand:alnum:36%%")
    data = f"registry=https://registry.npmjs.org/\n# _authToken=old\n//r.io/:_authToken={token}\n".encode()
    (f,) = keyfiles.npmrc_auth(data, "web/.npmrc")
    assert (f.rule_id, f.line, f.col) == ("npmrc-auth", 3, len("//r.io/:_authToken=") + 1)
    assert f.secret == token.encode() and token not in f.redacted()
    assert keyfiles.npmrc_auth(data, "web/npmrc.txt") == []  # only a file named .npmrc
    assert keyfiles.npmrc_auth(b"//r.io/:_authToken=${NPM_TOKEN}\n", ".npmrc") == []


def test_putty_key_needs_key_material_after_private_lines() -> None:
    body = secret("%%rand:base64:48%%")
    key = f"PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 1\n{body}\n".encode()
    (f,) = keyfiles.putty_keys(b"junk\n" + key, "notes/anything.bin")  # any name
    assert (f.rule_id, f.line, f.col) == ("private-key-putty", 2, 1)
    assert f.secret == body.encode()
    assert keyfiles.putty_keys(key.replace(body.encode(), b"<private key>"), "k.ppk") == []


def test_service_account_json_valid_truncated_and_placeholder() -> None:
    material = secret("%%rand:base64:64%%")
    doc = {"type": "service_account", "private_key": f"-----BEGIN X-----\\n{material}\\n"}
    data = json.dumps(doc).encode()
    (f,) = keyfiles.service_account_key(data, "gcp-sa.json")
    assert f.rule_id == "service-account-private-key" and f.secret == material.encode()
    assert keyfiles.service_account_key(data[:-10], "gcp-sa.json")  # truncated: the text still decides
    assert keyfiles.service_account_key(data, "gcp-sa.txt") == []  # .json files only
    placeholder = json.dumps({"type": "service_account", "private_key": "${KEY}"}).encode()
    assert keyfiles.service_account_key(placeholder, "sa.json") == []


def test_detect_runs_every_detector_and_binary_input_does_not_crash() -> None:
    assert keyfiles.detect(bytes(range(256)) * 64, ".npmrc") == []
    example = expand(keyfiles.DETECTORS[0].examples[0], "seed")
    assert [f.rule_id for f in keyfiles.detect(example.encode(), "x.ppk")] == ["private-key-putty"]


def test_large_input_is_bounded() -> None:
    # Many `Private-Lines:` and `PuTTY` markers: one hit reads a fixed window, not the rest of the file.
    data = (b"PuTTY-User-Key-File-3: x\nPrivate-Lines: 1\n" + b"-" * 60 + b"\n") * 50_000
    start = time.perf_counter()
    assert keyfiles.putty_keys(data, "big.txt") == []
    assert time.perf_counter() - start < 2.0


def test_engine_module_is_pure() -> None:
    code = (
        "import sys, credgate.engine.keyfiles; "
        "banned = ('click', 'git', 'credgate.gitio', 'credgate.gate', 'credgate.output'); "
        "bad = [m for m in banned if m in sys.modules]; "
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_rules_list_and_check_show_the_detectors() -> None:
    out = io.StringIO()
    rules_cmd.run_list(opts=Options(fmt="json", out=out))
    rows = {r["id"]: r for r in json.loads(out.getvalue())}
    for d in keyfiles.DETECTORS:
        assert rows[d.id]["file"] == "engine/keyfiles.py"
    out = io.StringIO()
    rules_cmd.run_list(opts=Options(out=out))
    assert "keyfile:npmrc-auth" in out.getvalue()
    done = subprocess.run(
        [sys.executable, "-m", "credgate", "rules", "check"], capture_output=True, text=True
    )
    assert done.returncode == 0
    n = sum(len(d.examples) + len(d.negative_examples) for d in keyfiles.DETECTORS)
    assert f"keyfile detectors check: 3 detectors, {n} examples, 0 problem(s): ok" in done.stdout


def test_rules_check_fails_when_a_detector_example_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyfiles, "check_examples", lambda: [("keyfile:x", "example #1 is not found")])
    out = io.StringIO()
    assert rules_cmd.run_check(opts=Options(out=out)) == 1
    assert "engine/keyfiles.py: keyfile:x: example #1 is not found" in out.getvalue()
