"""Issue 18 items 2 and 3: templates holding real values, and credential files by another name or format."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from credgate.commands import files, secrets
from credgate.commands._options import Options
from credgate.engine import credfiles
from tests.conftest import Repo, secret

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def run_files() -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    rc = files.run(opts=Options(fmt="json", out=out, err=err))
    return rc, [b["path"] for b in json.loads(out.getvalue())["blocked"]]


def run_secrets() -> int:
    out, err = io.StringIO(), io.StringIO()
    return secrets.run(opts=Options(out=out, err=err))


def production_values() -> str:
    # A digit in each so no random draw reads as a word.
    return (
        "APP_ENV=production\n"
        f"DB_PASSWORD={secret('%%rand:alnum:19%%%%rand:digit:1%%')}\n"
        f"SESSION_SECRET={secret('%%rand:hex:63%%%%rand:digit:1%%')}\n"
        f"JWT_SECRET={secret('%%rand:base64:39%%%%rand:digit:1%%')}\n"
    )


TEMPLATES = (
    ".env.example",
    "config/.env.sample",
    ".env.template",
    ".env.dist",
    ".env.defaults",
    ".env.production.example",
    "example.env",
    "deploy/app.env.sample",
    "env.example",
)


@pytest.mark.parametrize("name", TEMPLATES)
def test_copied_production_values_in_a_template_block_both_gates(repo: Repo, name: str) -> None:
    repo.stage(name, production_values())
    rc, blocked = run_files()
    assert (rc, blocked) == (1, [name])
    assert run_secrets() == 1


@pytest.mark.parametrize("name", TEMPLATES)
def test_placeholders_in_a_template_pass_both_gates(repo: Repo, name: str) -> None:
    repo.stage(
        name,
        "APP_ENV=development\nDB_PASSWORD=changeme\nSESSION_SECRET=<your-secret>\nJWT_SECRET=replace-me\n"
        "API_KEY=your-api-key-here\nSTRIPE_KEY=xxx\nSMTP_PASSWORD=\nREDIS_PASSWORD=${REDIS_PASSWORD}\n"
        "POSTGRES_PASSWORD=postgres\nSECRET_KEY=replace_with_a_long_random_string\n",
    )
    assert run_files() == (0, [])
    assert run_secrets() == 0


def test_a_weak_password_in_a_template_is_a_notice_not_a_block(repo: Repo) -> None:
    repo.stage(".env.example", "DB_PASSWORD=hunter2\n")
    out, err = io.StringIO(), io.StringIO()
    assert secrets.run(opts=Options(fmt="json", out=out, err=err)) == 0
    found = json.loads(out.getvalue())["findings"]
    assert [f["rule"] for f in found] == ["generic-password-assignment"]
    assert run_files() == (0, [])  # the two gates agree
    # In the file it was copied from, the same password is the deployed one and blocks.
    repo.git("rm", "-q", "--cached", ".env.example")
    repo.stage(".env.production", "DB_PASSWORD=hunter2\n")
    assert run_secrets() == 1


def test_pgpass_and_renamed_or_backed_up_credential_files_block(repo: Repo) -> None:
    names = [
        ".pgpass",
        "terraform.tfstate.1700000000.backup",
        "infra/prod.TFSTATE",
        "CERT.PFX",
        "cert.p12.bak",
        "release.JKS",
        "id_rsa~",
        "keys/id_ed25519.orig",
        ".env.production.bak",
        "ENV.PRODUCTION",
        "env.production",
        ".ENV",
    ]
    for name in names:
        repo.stage(name, f"db.internal:5432:app:app:{secret('%%rand:alnum:20%%')}\n")
    repo.stage("src/environment.py", "x = 1\n")
    repo.stage("docs/env.md", "x\n")
    rc, blocked = run_files()
    assert rc == 1
    assert blocked == sorted(names)


def test_dotenv_directories_block_unless_they_are_a_virtualenv(repo: Repo) -> None:
    repo.stage(".env.production/app", production_values())
    repo.stage(".env/production", production_values())
    assert run_files() == (1, [".env.production/app", ".env/production"])
    out = io.StringIO()
    files.run(opts=Options(fmt="json", out=out, err=io.StringIO()))
    assert [b["ignore_line"] for b in json.loads(out.getvalue())["blocked"]] == [
        "/.env.production/",
        "/.env/",
    ]
    # A pyvenv.cfg without the `home` key every virtualenv has is a decoy.
    repo.stage(".env/pyvenv.cfg", "")
    assert run_files()[1] == [".env.production/app", ".env/production", ".env/pyvenv.cfg"]
    repo.stage(".env/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\n")
    assert run_files() == (1, [".env.production/app"])


def test_a_virtualenv_on_disk_exempts_its_directory(repo: Repo) -> None:
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(repo.path / ".env")], check=True)
    repo.stage(".env/lib/site.py", "x = 1\n")
    assert run_files() == (0, [])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def key_material(tmp_path: Path) -> Path:
    """Fresh keys and a keystore made at test time, in every encoding the gate must recognise."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path / "keys"
    d.mkdir()
    _openssl("genrsa", "-out", "rsa.pem", "2048", cwd=d)
    _openssl("rsa", "-in", "rsa.pem", "-outform", "DER", "-traditional", "-out", "rsa1.der", cwd=d)
    _openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa.pem", "-outform", "DER", "-out", "rsa8.der", cwd=d)
    _openssl(
        "pkcs8",
        "-topk8",
        "-in",
        "rsa.pem",
        "-outform",
        "DER",
        "-passout",
        "pass:pw",
        "-out",
        "enc.der",
        cwd=d,
    )
    _openssl(
        "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-outform", "DER", "-out", "ec.der", cwd=d
    )
    _openssl("genpkey", "-algorithm", "ed25519", "-outform", "DER", "-out", "ed.der", cwd=d)
    _openssl("req", "-x509", "-key", "rsa.pem", "-subj", "/CN=test", "-days", "1", "-out", "cert.pem", cwd=d)
    _openssl("x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der", cwd=d)
    _openssl(
        "pkcs12",
        "-export",
        "-inkey",
        "rsa.pem",
        "-in",
        "cert.pem",
        "-passout",
        "pass:pw",
        "-out",
        "c.p12",
        cwd=d,
    )
    return d


@needs_openssl
def test_der_keys_and_keystores_are_recognised_by_structure(key_material: Path) -> None:
    kinds = {
        name: credfiles.detect((key_material / name).read_bytes())
        for name in ("rsa1.der", "rsa8.der", "enc.der", "ec.der", "ed.der", "c.p12", "cert.der")
    }
    assert {n: (k[0] if k else None) for n, k in kinds.items()} == {
        "rsa1.der": "private-key",
        "rsa8.der": "private-key",
        "enc.der": "private-key",
        "ec.der": "private-key",
        "ed.der": "private-key",
        "c.p12": "keystore",
        "cert.der": None,  # a certificate is public
    }
    # A truncated key, or one with bytes appended, is not a DER structure that fills the file.
    data = (key_material / "rsa1.der").read_bytes()
    assert credfiles.detect(data[:-1]) is None
    assert credfiles.detect(data + b"\0") is None


@needs_openssl
def test_keystores_and_der_keys_block_whatever_their_name(repo: Repo, key_material: Path) -> None:
    placed = {
        "cert.bin": "c.p12",
        "assets/blob": "rsa1.der",
        "data/key.dat": "rsa8.der",
        "ec": "ec.der",
        "enc.data": "enc.der",
        "public/cert.crt.bin": "cert.der",  # a certificate: not blocked
    }
    for name, source in placed.items():
        repo.stage(name, (key_material / source).read_bytes())
    rc, blocked = run_files()
    assert rc == 1
    assert blocked == sorted(n for n in placed if n != "public/cert.crt.bin")


def test_java_keystores_are_recognised_by_magic(repo: Repo, tmp_path: Path) -> None:
    if shutil.which("keytool") is None:
        pytest.skip("keytool is not installed")
    for store, name in (("JKS", "app.store"), ("JCEKS", "app2.store")):
        path = tmp_path / name
        args = ["-genkeypair", "-alias", "a", "-keyalg", "RSA", "-keysize", "2048", "-storetype", store]
        args += ["-keystore", str(path), "-storepass", "password", "-keypass", "password"]
        args += ["-dname", "CN=test", "-validity", "1"]
        subprocess.run(["keytool", *args], check=True, capture_output=True)
        repo.stage(name, path.read_bytes())
    assert run_files() == (1, ["app.store", "app2.store"])


def test_terraform_state_is_recognised_by_content(repo: Repo) -> None:
    state = {
        "version": 4,
        "terraform_version": "1.6.2",
        "serial": 7,
        "lineage": secret("%%rand:hex:8%%-%%rand:hex:4%%"),
        "outputs": {},
        "resources": [{"type": "aws_db_instance", "instances": [{"attributes": {"password": "x"}}]}],
    }
    repo.stage("infra/prod-state.json", json.dumps(state, indent=2))
    repo.stage("infra/plan.json", json.dumps({"format_version": "1.2", "terraform_version": "1.6.2"}))
    assert run_files() == (1, ["infra/prod-state.json"])


def test_pgpass_with_a_password_blocks_both_gates(repo: Repo) -> None:
    repo.stage(".pgpass", f"# production\ndb.internal:5432:app:app_user:{secret('%%rand:alnum:20%%')}\n")
    assert run_files() == (1, [".pgpass"])
    assert run_secrets() == 1
    repo.git("rm", "-q", "--cached", ".pgpass")
    repo.stage("notes.txt", f"a:b:c:d:{secret('%%rand:alnum:20%%')}\n")  # five fields elsewhere mean nothing
    assert run_secrets() == 0
