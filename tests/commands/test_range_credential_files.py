"""Issue 18 item 3 and issue 12: `git commit --no-verify` skips the files hook, so the range gates
(scan-range, the pre-push hook, the server's pre-receive hook, `credgate ci`) block a commit that adds
a credential file, by name (the files gate's definition) and by content (the detector rules). Real git:
bare remotes with the shipped hooks, real pushes; keys and keystores made at test time."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from credgate.commands import ci, history, scan_range, secrets
from credgate.commands._options import Options
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, secret


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A DER key, a PKCS#12 keystore, a JKS and an OpenSSH key, made now (never committed)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("keys")

    def tool(*args: str) -> None:
        subprocess.run(list(args), cwd=d, check=True, capture_output=True)

    tool("openssl", "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "ec.pem")
    tool("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "ec.pem", "-outform", "DER", "-out", "ec8.der")
    tool("openssl", "req", "-x509", "-key", "ec.pem", "-subj", "/CN=test", "-days", "1", "-out", "c.pem")
    tool(
        "openssl",
        "pkcs12",
        "-export",
        "-inkey",
        "ec.pem",
        "-in",
        "c.pem",
        "-passout",
        "pass:pw",
        "-out",
        "c.p12",
    )
    out = {"der": (d / "ec8.der").read_bytes(), "p12": (d / "c.p12").read_bytes()}
    if shutil.which("keytool") is not None:
        tool("keytool", "-genkeypair", "-alias", "a", "-keyalg", "EC", "-storetype", "JKS",
             "-keystore", "r.jks", "-storepass", "password", "-keypass", "password",
             "-dname", "CN=test", "-validity", "1")  # fmt: skip
        out["jks"] = (d / "r.jks").read_bytes()
    if shutil.which("ssh-keygen") is not None:
        tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "id_ed25519")
        out["ssh"] = (d / "id_ed25519").read_bytes()
    return out


def pgpass() -> str:
    return f"db.internal:5432:app:app_user:{secret('%%rand:alnum:20%%')}\n"


def state() -> str:
    lineage = secret("%%rand:hex:8%%-%%rand:hex:4%%-%%rand:hex:4%%-%%rand:hex:4%%-%%rand:hex:12%%")
    return json.dumps(
        {"version": 4, "terraform_version": "1.6.2", "serial": 1, "lineage": lineage, "resources": []}
    )


# (path, content maker, the rule that must block it)
KINDS = {
    "env": (".env.production", lambda k: "DB_HOST=db.internal\nDB_NAME=app\n", "credential-file"),
    "ssh": ("id_rsa", lambda k: k["ssh"], "credential-file"),
    "jks": ("release.JKS", lambda k: k["jks"], "credential-file"),
    "jks-renamed": ("assets/release.bin", lambda k: k["jks"], "java-keystore"),
    "pgpass": (".pgpass", lambda k: pgpass(), "credential-file"),
    "tfstate": ("terraform.tfstate.1700000000.backup", lambda k: state(), "credential-file"),
    "tfstate-renamed": ("infra/prod-state.json", lambda k: state(), "terraform-state"),
    "der": ("deploy/signing.bin", lambda k: k["der"], "der-private-key"),
    "p12": ("cert.bin", lambda k: k["p12"], "pkcs12-keystore"),
    "p12-named": ("CERT.PFX", lambda k: k["p12"], "credential-file"),
}


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


@pytest.fixture
def remote(tmp_path: Path, repo: Repo) -> Path:
    """A bare remote with the shipped pre-receive hook, holding one clean commit of main."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    repo.git("push", "-q", "origin", "main")
    install(bare / "hooks", "pre-receive")
    return bare


def install(hooks: Path, name: str) -> None:
    hook = hooks / name
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_bytes((PROJECT / "hooks" / name).read_bytes())
    hook.chmod(0o755)


def push(repo: Repo, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


def remote_main(bare: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "main"], cwd=bare, capture_output=True, text=True
    ).stdout.strip()


def range_json(base: str) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    rc = scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(fmt="json", out=out, err=io.StringIO()))
    return rc, json.loads(out.getvalue())["findings"]


def ci_push(tmp_path: Path, before: str, after: str) -> tuple[int, list[dict[str, object]]]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": before, "after": after, "ref": "refs/heads/main"}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
        "CI": "true",
    }
    out = io.StringIO()
    rc = ci.run(env=env, opts=Options(fmt="json", out=out, err=io.StringIO()))
    return rc, json.loads(out.getvalue())["findings"]


def blocking(found: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return sorted((f["path"], f["rule"], f["commit"]) for f in found if f["blocking"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_no_verify_commit_of_a_credential_file_is_blocked_by_every_range_gate(
    kind: str, keys: dict[str, bytes], repo: Repo, remote: Path, tmp_path: Path
) -> None:
    path, make, rule = KINDS[kind]
    if kind.startswith("jks") and "jks" not in keys or kind == "ssh" and "ssh" not in keys:
        pytest.skip("keytool or ssh-keygen is not installed")
    base = head(repo)
    repo.stage("app.py", "print('hi')\n")
    repo.commit("unrelated")
    repo.write(path, make(keys))
    repo.git("add", "-f", "--", path)
    repo.commit("leak")  # --no-verify: the files hook never ran
    leak = head(repo)
    # scan-range
    rc, found = range_json(base)
    assert rc == 1
    assert (path, rule, leak) in blocking(found)
    # credgate ci on a GitHub push event
    rc, found = ci_push(tmp_path, base, leak)
    assert rc == 1 and (path, rule, leak) in blocking(found)
    # the server's pre-receive hook, with --no-verify skipping any local hook
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0, rejected.stderr
    assert path in rejected.stderr and leak[:12] in rejected.stderr
    assert remote_main(remote) == base
    # the pre-push hook, against a remote without a server hook
    (remote / "hooks" / "pre-receive").unlink()
    install(repo.path / ".git" / "hooks", "pre-push")
    rejected = push(repo, tmp_path, "origin", "main")
    assert rejected.returncode != 0 and path in rejected.stdout + rejected.stderr
    assert remote_main(remote) == base


def test_the_file_gate_advice_comes_with_the_finding(repo: Repo) -> None:
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = head(repo)
    repo.stage(".env.production", "DB_HOST=db.internal\n")
    repo.commit("leak")
    out = io.StringIO()
    assert scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(out=out, err=io.StringIO())) == 1
    text = out.getvalue()
    assert f"commit {head(repo)[:12]}" in text and "credential-file" in text
    for advice in ("git rm --cached -- .env.production", "`.env.*` to .gitignore", "rotate", "filter-repo"):
        assert advice in text, advice


def test_templates_deletions_and_virtualenvs_pass(repo: Repo, remote: Path, tmp_path: Path) -> None:
    # A credential file already on the server (from before the gate) may be deleted; that is the fix.
    (remote / "hooks" / "pre-receive").unlink()
    repo.stage(".env.production", "DB_HOST=db.internal\n")
    repo.commit("legacy")
    assert push(repo, tmp_path, "-q", "origin", "main").returncode == 0
    install(remote / "hooks", "pre-receive")
    base = head(repo)
    repo.git("rm", "-q", "--cached", ".env.production")
    repo.stage(".env.example", "DB_HOST=localhost\nDB_PASSWORD=changeme\nSECRET_KEY=<your-secret>\n")
    repo.stage(".venv/pyvenv.cfg", "home = /usr/bin\n")
    repo.stage(".venv/lib/site.py", "x = 1\n")
    repo.commit("untrack the env file; add a template")
    assert range_json(base) == (0, [])
    assert ci_push(tmp_path, base, head(repo)) == (0, [])
    accepted = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert accepted.returncode == 0, accepted.stderr
    assert remote_main(remote) == head(repo)


def test_a_template_holding_real_values_still_blocks_by_content(repo: Repo) -> None:
    repo.stage("README.md", "x\n")
    repo.commit("base")
    base = head(repo)
    repo.stage(".env.example", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    repo.commit("template with a token")
    rc, found = range_json(base)
    assert rc == 1 and [f["rule"] for f in found if f["blocking"]] == ["github-pat"]


def test_a_dotenv_directory_blocks_unless_the_commit_holds_a_virtualenv(repo: Repo) -> None:
    repo.stage("README.md", "x\n")
    repo.commit("base")
    base = head(repo)
    repo.stage(".env.production/app", "DB_HOST=db.internal\n")
    repo.stage(".env/pyvenv.cfg", "")  # no `home =`: a decoy
    repo.stage(".env/settings", "DB_HOST=db.internal\n")
    repo.commit("dotenv dirs")
    rc, found = range_json(base)
    assert rc == 1
    assert sorted(f["path"] for f in found if f["rule"] == "credential-file") == [
        ".env.production/app",
        ".env/pyvenv.cfg",
        ".env/settings",
    ]


def test_a_merge_adds_only_what_no_parent_has(repo: Repo, remote: Path, tmp_path: Path) -> None:
    (remote / "hooks" / "pre-receive").unlink()
    repo.stage(".env.production", "DB_HOST=db.internal\n")  # on the server from before the gate
    repo.commit("legacy")
    assert push(repo, tmp_path, "-q", "origin", "main").returncode == 0
    install(remote / "hooks", "pre-receive")
    base = head(repo)
    repo.git("checkout", "-q", "-b", "feature", "HEAD~1")
    repo.stage("app.py", "x = 1\n")
    repo.commit("feature")
    repo.git("merge", "-q", "--no-edit", "main")  # takes .env.production from main unchanged
    assert blocking(range_json(base)[1]) == []
    accepted = push(repo, tmp_path, "--no-verify", "origin", "feature")
    assert accepted.returncode == 0, accepted.stderr
    # An evil merge: a key file that neither parent has.
    repo.git("checkout", "-q", "main")
    repo.stage("notes.txt", "x\n")
    repo.commit("main moves on")
    repo.git("merge", "-q", "--no-commit", "feature")
    repo.stage("id_ed25519", "not really a key\n")
    repo.commit("merge")
    rc, found = range_json(base)
    assert rc == 1 and blocking(found) == [("id_ed25519", "credential-file", head(repo))]
    assert push(repo, tmp_path, "--no-verify", "origin", "main").returncode != 0


def test_pre_receive_judges_names_by_the_base_revisions_protect(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    (remote / "hooks" / "pre-receive").unlink()
    repo.stage(".credgate.toml", 'protect = ["*.secret"]\n')
    repo.commit("protect *.secret")
    assert push(repo, tmp_path, "-q", "origin", "main").returncode == 0
    install(remote / "hooks", "pre-receive")
    base = head(repo)
    # The push drops the pattern and adds such a file: the base's config judges it.
    repo.stage(".credgate.toml", "\n")
    repo.stage("db.secret", "hunter2\n")
    repo.commit("sneak")
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0
    assert "db.secret" in rejected.stderr and "weakens the secret gate" in rejected.stderr
    assert remote_main(remote) == base
    rc, found = ci_push(tmp_path, base, head(repo))
    assert rc == 1 and ("db.secret", "credential-file", head(repo)) in blocking(found)


def test_secrets_gate_blocks_keystores_and_der_keys_under_any_name(
    keys: dict[str, bytes], repo: Repo
) -> None:
    repo.stage("cert.bin", keys["p12"])
    repo.stage("assets/blob", keys["der"])
    out = io.StringIO()
    assert secrets.run(opts=Options(fmt="json", out=out, err=io.StringIO())) == 1
    found = json.loads(out.getvalue())["findings"]
    assert sorted((f["path"], f["rule"]) for f in found) == [
        ("assets/blob", "der-private-key"),
        ("cert.bin", "pkcs12-keystore"),
    ]
    for f in found:  # a digest of the file is shown, never its bytes
        assert f["secret"].endswith("****") and len(f["secret"]) == 8


def test_history_names_credential_files_that_entered_it(repo: Repo) -> None:
    repo.stage(".env.production", "DB_HOST=db.internal\n")
    repo.commit("legacy env file")
    added = head(repo)
    repo.git("rm", "-q", "--cached", ".env.production")
    repo.commit("untrack it")
    out = io.StringIO()
    assert history.run(opts=Options(fmt="json", out=out, err=io.StringIO())) == 1
    found = json.loads(out.getvalue())["findings"]
    assert [(f["path"], f["rule"], f["commit"]) for f in found] == [
        (".env.production", "credential-file", added)
    ]


def test_history_names_a_credential_file_once(repo: Repo) -> None:
    repo.stage(".env.master", f"T={secret('%%github:ghp_%%')}\n")  # named by its secret's finding already
    repo.stage("id_rsa", "no key here, but a key file name\n")
    repo.commit("leak")
    out = io.StringIO()
    assert history.run(opts=Options(fmt="json", out=out, err=io.StringIO())) == 1
    found = json.loads(out.getvalue())["findings"]
    assert sorted((f["path"], f["rule"]) for f in found) == [
        (".env.master", "github-pat"),
        ("id_rsa", "credential-file"),
    ]


def test_history_and_remediate_treat_a_keystore_found_by_content_as_a_whole_file(repo: Repo) -> None:
    from credgate.commands import remediate
    from credgate.engine.credfile_synth import credfile

    store = credfile(__import__("random").Random(secret("%%rand:hex:8%%")), "pkcs12")
    repo.stage("assets/cert.bin", store)
    repo.commit("a keystore under another name")
    out = io.StringIO()
    assert history.run(opts=Options(fmt="json", out=out, err=io.StringIO())) == 1
    (f,) = json.loads(out.getvalue())["findings"]
    assert (f["rule"], f["present_at_head"]) == ("pkcs12-keystore", True)
    out = io.StringIO()
    assert remediate.run(opts=Options(out=out, err=io.StringIO())) == 1
    assert "--invert-paths --path assets/cert.bin" in out.getvalue()


def test_edits_and_renames_of_a_file_the_remote_has_pass_and_a_rename_into_a_credential_name_blocks(
    repo: Repo,
) -> None:
    repo.stage(".env.production", "DB_HOST=db.internal\n")  # tracked before the gate existed
    repo.stage("settings.txt", "DB_HOST=db.internal\n")
    repo.commit("legacy")
    base = head(repo)
    repo.stage(".env.production", "DB_HOST=db2.internal\n")
    repo.commit("edit it")
    assert range_json(base) == (0, [])  # its content is judged; the files hook blocks the edit locally
    repo.git("mv", ".env.production", ".env.prod")  # one credential name to another: nothing new
    repo.commit("rename it")
    assert range_json(base) == (0, [])
    repo.git("mv", "settings.txt", ".env.staging")
    repo.commit("rename into place")
    rc, found = range_json(base)
    assert rc == 1 and blocking(found) == [(".env.staging", "credential-file", head(repo))]


def test_a_tag_of_a_tree_holding_a_credential_file_is_rejected(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    repo.stage("deploy/.env.production", "DB_HOST=db.internal\n")  # no token: only the name tells
    tree = repo.git("write-tree").strip()
    repo.git("reset", "-q")
    repo.git("tag", "-a", "-m", "a snapshot", "snapshot", tree)
    rejected = push(repo, tmp_path, "--no-verify", "origin", "snapshot")
    assert rejected.returncode != 0
    assert "deploy/.env.production" in rejected.stderr and f"in tree {tree[:12]}" in rejected.stderr
    assert (
        "refs/tags/snapshot"
        not in subprocess.run(["git", "for-each-ref"], cwd=remote, capture_output=True, text=True).stdout
    )
    # A tree of ordinary files passes.
    repo.git("tag", "clean", repo.git("rev-parse", "HEAD^{tree}").strip())
    assert push(repo, tmp_path, "--no-verify", "origin", "clean").returncode == 0
