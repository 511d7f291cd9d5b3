"""Hook `credgate-files`: credential files by name or content, against real git repositories."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from credgate.commands import files
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, env_file_with_aws, secret


def run(*paths: str, tracked: bool = False, **kw: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = files.run(paths, tracked=tracked, opts=Options(out=out, err=err, **kw))
    return rc, out.getvalue(), err.getvalue()


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )


def private_key() -> str:
    return secret("%%pem:RSA_PRIVATE_KEY%%") + "\n"


def blocked_paths(out: str) -> list[str]:
    return [b["path"] for b in json.loads(out)["blocked"]]


def test_force_added_env_master_is_blocked_with_the_recovery_steps(repo: Repo) -> None:
    content = env_file_with_aws()
    repo.stage(".gitignore", ".env\n.env.local\n")  # the incident's .gitignore: no `.env.*`
    repo.write(".env.master", content)
    repo.git("add", "-f", ".env.master")
    proc = cli("files")
    assert proc.returncode == 1
    assert ".env.master  env:" in proc.stdout and "(matches `.env.*`)" in proc.stdout
    assert "git rm --cached -- .env.master" in proc.stdout
    assert "add `.env.*` to .gitignore" in proc.stdout and "credgate check-gitignore --fix" in proc.stdout
    assert "Rotate" in proc.stdout
    for line in content.splitlines():
        if line.startswith("AWS_"):
            assert line.split("=", 1)[1] not in proc.stdout + proc.stderr  # values are never printed


def test_odd_names_are_quoted_in_the_recovery_command_and_escaped(repo: Repo) -> None:
    repo.stage("conf dir/.env.prod", "A=1\n")
    repo.stage("\x1b[31m/.env.staging", "A=1\n")
    rc, out, _ = run()
    assert rc == 1
    assert "git rm --cached -- 'conf dir/.env.prod'" in out
    assert "\\x1b[31m/.env.staging" in out and "\x1b" not in out


def test_env_template_with_placeholders_is_allowed(repo: Repo) -> None:
    repo.stage(".env.example", "AWS_ACCESS_KEY_ID=your-access-key-id\nOPENAI_API_KEY=<your key>\nDEBUG=1\n")
    repo.stage("app/.env.sample", "GITHUB_TOKEN=${GITHUB_TOKEN}\n")
    assert run() == (0, "", "")


def test_env_template_with_a_real_looking_token_is_blocked(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage(".env.example", f"DEBUG=1\nGITHUB_TOKEN={token}\n")
    rc, out, err = run()
    assert rc == 1
    assert ".env.example  template:" in out
    assert "line 2:14  github-pat  ghp_****" in out
    assert "Replace the real value with a placeholder" in out
    assert "git rm --cached" not in out  # a template belongs in git: only its value must go
    assert token not in out + err


def test_template_blocks_only_on_the_lines_this_commit_adds(repo: Repo) -> None:
    repo.stage(".env.example", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    repo.commit("legacy, committed with --no-verify")
    repo.stage(".env.example", repo.path.joinpath(".env.example").read_text() + "DEBUG=1\n")
    assert run()[0] == 0
    assert run(tracked=True)[0] == 1  # the whole tracked file is judged in CI mode


def test_private_key_by_content_whatever_the_name(repo: Repo) -> None:
    repo.stage("docs/notes.txt", "deploy notes\n\n" + private_key())
    rc, out, _ = run()
    assert rc == 1
    assert "docs/notes.txt  private-key: holds a private key" in out
    assert "private-key-pem" in out
    assert "git rm --cached -- docs/notes.txt" in out
    assert "add `/docs/notes.txt` to .gitignore" in out


def test_openssh_and_putty_keys_by_content(repo: Repo) -> None:
    body = secret("b3BlbnNzaC1rZXktdjEAAAAA%%rand:base64:60%%\n%%rand:base64:70%%")
    repo.stage(
        "deploy_key", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    ppk = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\n{pub}\n"
    ppk += "Private-Lines: 1\n{priv}\n"
    repo.stage(
        "keys/putty.txt", ppk.format(pub=secret("%%rand:base64:64%%"), priv=secret("%%rand:base64:48%%"))
    )
    repo.stage("keys/doc.txt", "PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\n...\n")
    rc, out, _ = run(fmt="json")
    assert rc == 1
    assert blocked_paths(out) == ["deploy_key", "keys/putty.txt"]


def test_certificate_only_pem_is_allowed_but_a_key_pem_is_not(repo: Repo) -> None:
    repo.stage("certs/ca.pem", secret("%%pem:CERTIFICATE%%") + "\n")
    repo.stage("certs/public.key", secret("%%pem:PUBLIC_KEY%%") + "\n")
    assert run()[0] == 0
    repo.stage("certs/server.pem", secret("%%pem:CERTIFICATE%%") + "\n" + private_key())
    rc, out, _ = run(fmt="json")
    assert rc == 1
    doc = json.loads(out)
    assert [(b["path"], b["kind"], b["reason"], b["pattern"]) for b in doc["blocked"]] == [
        ("certs/server.pem", "private-key", "content", "*.pem")
    ]
    assert doc["blocked"][0]["ignore_line"] == "*.pem"


def test_npmrc_is_blocked_only_with_a_literal_auth_value(repo: Repo) -> None:
    repo.stage(
        ".npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
    )
    assert run()[0] == 0
    token = secret("%%npm%%")
    repo.stage(".npmrc", f"//registry.npmjs.org/:_authToken={token}\n")
    rc, out, err = run()
    assert rc == 1
    assert ".npmrc  tool-credentials:" in out
    assert json.loads(run(fmt="json")[1])["blocked"][0]["findings"][0]["rule"] == "npmrc-auth"
    assert token not in out + err


def test_service_account_json_is_blocked_only_with_a_private_key(repo: Repo) -> None:
    doc = {"type": "service_account", "project_id": "demo", "client_email": "ci@demo.iam.gserviceaccount.com"}
    repo.stage("gcp-service-account.json", json.dumps({**doc, "private_key": "${GCP_KEY}"}))
    assert run()[0] == 0
    material = secret("%%rand:base64:64%%\\n%%rand:base64:64%%")
    key = f"-----BEGIN PRIVATE KEY-----\\n{material}\\n-----END PRIVATE KEY-----\\n"
    repo.stage("gcp-service-account.json", json.dumps(doc)[:-1] + f', "private_key": "{key}"}}')
    rc, out, _ = run(fmt="json")
    assert rc == 1
    assert blocked_paths(out) == ["gcp-service-account.json"]


def test_name_only_credentials_and_what_is_not_one(repo: Repo) -> None:
    for name in (
        "release.jks",
        "id_ed25519",
        "infra/terraform.tfstate",
        "home/.netrc",
        "svc/credentials.json",
    ):
        repo.stage(name, "x\n")
    repo.stage(".env/lib/site.py", "x = 1\n")  # a virtualenv called .env is not a dotenv file...
    repo.stage(".env/pyvenv.cfg", "home = /usr/bin\n")  # ...and what makes it one is its pyvenv.cfg
    repo.stage("src/environment.py", "x = 1\n")
    rc, out, _ = run(fmt="json")
    assert rc == 1
    assert blocked_paths(out) == [
        "home/.netrc",
        "id_ed25519",
        "infra/terraform.tfstate",
        "release.jks",
        "svc/credentials.json",
    ]


def test_deleting_a_tracked_env_master_passes(repo: Repo) -> None:
    repo.stage(".env.master", env_file_with_aws())
    repo.commit("the leak")
    repo.git("rm", "-q", "--cached", ".env.master")
    assert run(verbose=True)[0] == 0
    assert (repo.path / ".env.master").exists()  # the fix keeps the file on disk
    repo.git("add", "-f", ".env.master")
    assert run()[0] == 0  # unchanged: nothing staged, so nothing to judge...
    assert run(tracked=True)[0] == 1  # ...but CI mode sees it is still tracked


def test_modified_tracked_file_says_it_is_already_in_history(repo: Repo) -> None:
    repo.stage(".env.production", "A=1\n")
    repo.commit()
    repo.stage(".env.production", "A=2\n")
    rc, out, _ = run()
    assert rc == 1
    assert "already in this repository's history" in out
    assert "git filter-repo --invert-paths --path .env.production" in out


def test_tracked_checks_every_tracked_file(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.stage("config/.env.staging", "A=1\n")
    repo.stage("keys/old.txt", private_key())
    repo.commit("legacy, committed with --no-verify")
    assert run()[0] == 0  # nothing staged
    rc, out, _ = run(tracked=True, fmt="json")
    assert rc == 1
    doc = json.loads(out)
    assert doc["scope"] == "tracked files"
    assert [(b["path"], b["status"]) for b in doc["blocked"]] == [
        ("config/.env.staging", "tracked"),
        ("keys/old.txt", "tracked"),
    ]
    assert doc["stats"]["files"] == 3
    rc, out, _ = run("config", tracked=True, fmt="json")  # PATHS limit --tracked too
    assert blocked_paths(out) == ["config/.env.staging"]


def test_named_files_that_are_not_staged(repo: Repo) -> None:
    """pre-commit run --all-files passes tracked files that are not staged."""
    repo.stage(".env.local", "A=1\n")
    repo.commit()
    rc, out, _ = run(".env.local", fmt="json")
    assert rc == 1
    assert json.loads(out)["blocked"][0]["status"] == "tracked"
    repo.write("untracked.txt", private_key())
    rc, out, _ = run("untracked.txt")
    assert rc == 1
    assert "untracked.txt is not tracked" in out and "git rm --cached" not in out
    with pytest.raises(UsageError, match="no such file"):
        run("missing.txt")


def test_json_output_has_stable_keys_and_no_secret(repo: Repo) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage(".env.example", f"GITHUB_TOKEN={token}\n")
    repo.stage(".env.master", env_file_with_aws())
    proc = cli("files", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["command"] == "files" and doc["exit_code"] == 1 and doc["scope"] == "staged files"
    first = doc["blocked"][0]
    assert set(first) == {
        "path",
        "status",
        "kind",
        "reason",
        "why",
        "pattern",
        "ignore_line",
        "findings",
        "fix",
    }
    assert first["findings"] == [
        {"line": 1, "col": 14, "rule": "github-pat", "rule_name": "GitHub personal access token (classic)",
         "secret": "ghp_****"}
    ]  # fmt: skip
    assert (
        doc["blocked"][1]["fix"][0] == "Unstage it (the file stays on disk): git rm --cached -- .env.master"
    )
    assert token not in proc.stdout


def test_config_protect_and_unprotect_are_honoured(repo: Repo) -> None:
    repo.write(".credgate.toml", 'protect = ["*.secret", "!docs/*.secret"]\nunprotect = [".env.*"]\n')
    repo.stage("prod.secret", "x\n")
    repo.stage("docs/example.secret", "x\n")
    repo.stage(".env.local", "A=1\n")
    rc, out, _ = run(fmt="json")
    assert rc == 1
    doc = json.loads(out)
    assert [(b["path"], b["kind"], b["pattern"]) for b in doc["blocked"]] == [
        ("prod.secret", "custom", "*.secret")
    ]
    repo.write("other.toml", "")
    assert run(config_path="other.toml")[0] == 1  # defaults again: .env.local is blocked


def test_excluded_paths_are_not_judged(repo: Repo) -> None:
    repo.write(".credgate.toml", 'exclude = ["tests/fixtures/**"]\n')
    repo.stage("tests/fixtures/server.key", private_key())
    rc, _, err = run(verbose=True)
    assert rc == 0
    assert "1 excluded by config" in err


def test_too_large_credential_name_still_blocks(repo: Repo) -> None:
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\n')
    repo.stage("big.pem", "x" * (1024 * 1024 + 4096))
    repo.stage("big.txt", "x" * (1024 * 1024 + 4096))
    rc, out, err = run(fmt="json")
    assert rc == 1  # a *.pem whose content cannot be checked fails closed
    assert blocked_paths(out) == ["big.pem"]
    assert "big.txt was NOT scanned" in err


def test_cli_exit_codes(repo: Repo, tmp_path: Path) -> None:
    repo.stage("a.txt", "a\n")
    assert cli("files").returncode == 0
    assert cli("files", "--format", "nope").returncode == 2
    repo.write(".credgate.toml", "protect = 1\n")
    proc = cli("files")
    assert proc.returncode == 2 and "protect must be a list" in proc.stderr
    assert cli("files", cwd=tmp_path).returncode == 2
    repo.write(".credgate.toml", "")
    repo.stage("b.txt", "content that will vanish\n")
    sha = repo.git("rev-parse", ":b.txt").strip()
    (repo.path / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    proc = cli("files")
    assert proc.returncode == 3 and "failing closed" in proc.stderr  # a blob it cannot read blocks
