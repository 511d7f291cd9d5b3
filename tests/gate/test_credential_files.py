"""gate/credential_files.py: the files gate's decisions, without click or printing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from credgate.config import Config
from credgate.errors import UsageError
from credgate.gate import credential_files as gate
from tests.conftest import Repo, env_file_with_aws, secret


def judge(paths: tuple[str, ...] = (), tracked: bool = False, cfg: Config | None = None) -> gate.Result:
    return gate.check(paths, tracked=tracked, cfg=cfg or Config())


def test_by_name_case_backups_and_unprotect() -> None:
    c = gate.Classifier(Config())
    for path, kind in [
        (".env.master", "env"),
        ("deploy/CERT.PFX", "keystore"),
        ("terraform.tfstate.1700000000.backup", "state"),
        ("config/prod.env", "env"),
        ("id_ed25519", "private-key"),
    ]:
        hit = c.by_name(path)
        assert hit is not None and hit.kind == kind, path
    for path in (".env.example", "src/app.py", "README.md", "docs/env.md"):
        assert c.by_name(path) is None, path
    assert gate.Classifier(Config(unprotect=[".env.*"])).by_name(".env.master") is None


def test_classify_content_decides_only_for_by_content_names() -> None:
    c = gate.Classifier(Config())
    token = secret("%%rand:alnum:36%%")
    v = c.classify(".npmrc", f"//registry.npmjs.org/:_authToken={token}\n".encode())
    assert v is not None and (v.kind, v.reason) == ("tool-credentials", "content")
    assert [f.rule_id for f in v.findings] == ["npmrc-auth"]
    assert c.classify(".npmrc", b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n") is None
    # Too large to read: a by-content name fails closed, any other name is the caller's warning.
    big = c.classify("server.pem", None)
    assert big is not None and "too large" in big.why
    assert c.classify("notes.txt", None) is None


def test_putty_key_under_any_name_is_a_private_key() -> None:
    body = secret("%%rand:base64:48%%")
    data = f"PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 1\n{body}\n".encode()
    v = gate.Classifier(Config()).classify("backup/notes.txt", data)
    assert v is not None and (v.kind, v.reason, v.pattern) == ("private-key", "content", "")
    assert "private-key-putty" in {f.rule_id for f in v.findings}
    assert v.ignore_line == "/backup/notes.txt"


def test_ignore_line_is_not_offered_for_names_that_need_escaping() -> None:
    v = gate.Verdict("odd name[1].key", "private-key", "content", "holds a private key")
    assert v.ignore_line == ""
    assert gate.Verdict(".env.x", "env", "name", "why", ".env.*").ignore_line == ".env.*"
    assert gate.Verdict(".env.x", "template", "template-value", "why").ignore_line == ""


def test_check_judges_the_index_with_real_git(repo: Repo) -> None:
    repo.stage("app.py", "print('hi')\n")
    repo.commit()
    repo.write(".gitignore", ".env.*\n")
    repo.write(".env.master", env_file_with_aws())
    repo.git("add", "-f", ".env.master")  # past .gitignore, as in the incident
    result = judge()
    assert [(v.path, v.status, v.reason) for v in result.blocked] == [(".env.master", "A", "name")]
    assert result.scope == "staged files" and result.stats.files == 1
    repo.commit("oops")
    assert judge().blocked == []  # nothing staged
    (v,) = judge(tracked=True).blocked
    assert (v.path, v.status) == (".env.master", "tracked")
    repo.git("rm", "-q", "--cached", ".env.master")
    assert judge().blocked == []  # the deletion is the fix


def test_check_named_paths_from_disk_and_a_missing_one(repo: Repo) -> None:
    repo.stage("a.py", "x = 1\n")
    repo.commit()
    repo.write("id_rsa", "not really a key\n")
    (v,) = judge(("id_rsa",)).blocked
    assert (v.path, v.status) == ("id_rsa", "file")
    with pytest.raises(UsageError, match="no such file"):
        judge(("missing.txt",))


def test_a_dotenv_directory_with_a_committed_pyvenv_cfg_is_a_virtualenv(repo: Repo) -> None:
    repo.stage(".env/pyvenv.cfg", "home = /usr/bin\n")
    repo.stage(".env/lib/site.py", "x = 1\n")
    assert judge().blocked == []
    repo.stage(".env.prod/settings", "A=1\n")  # named like a dotenv file, no pyvenv.cfg
    assert [v.path for v in judge().blocked] == [".env.prod/settings"]


def test_gate_module_has_no_click_and_does_not_print(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".env.master", env_file_with_aws())
    repo.git("add", "-f", ".env.master")
    assert judge(cfg=Config()).blocked
    assert capsys.readouterr() == ("", "")
    done = subprocess.run(
        [sys.executable, "-c", "import sys, credgate.gate.credential_files; print('click' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "False"
