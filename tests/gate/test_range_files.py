"""gate/range_files.py: the credential files a range's commits add, judged by name (real git, no CLI)."""

from __future__ import annotations

from credgate import config as config_mod
from credgate.gate import range_files
from tests.conftest import Repo


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def added(repo: Repo, base: str, cfg: config_mod.Config | None = None) -> list[tuple[str, str]]:
    found = range_files.added_credential_files([([head(repo), f"^{base}"], None)], cfg or config_mod.Config())
    return [(f.path, f.commit) for f in found]


def test_each_credential_file_once_at_the_oldest_commit_that_adds_it(repo: Repo) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    base = head(repo)
    repo.stage(".env.production", "DB_PASSWORD=one\n")
    repo.stage("id_rsa.pub", "ssh-ed25519 AAAA x\n")  # a public key: no credential by name
    repo.stage(".env.example", "DB_PASSWORD=\n")  # a template
    repo.commit("add")
    first = head(repo)
    repo.stage(".env.production", "DB_PASSWORD=two\n")
    repo.commit("edit")
    assert added(repo, base) == [(".env.production", first)]
    (f,) = range_files.added_credential_files([([head(repo), f"^{base}"], None)], config_mod.Config())
    assert f.rule_id == range_files.RULE_ID and f.blocking and f.secret == b""
    assert "git rm --cached -- .env.production" in f.hint and "`.env.*`" in f.hint


def test_exclude_unprotect_and_a_rename_between_credential_names_pass(repo: Repo) -> None:
    repo.stage(".env.production", "A=1\n")
    repo.commit("base")
    base = head(repo)
    repo.git("mv", ".env.production", ".env.prod")
    repo.stage("deploy/.env.staging", "B=2\n")
    repo.commit("rename and add")
    assert added(repo, base) == [("deploy/.env.staging", head(repo))]
    assert added(repo, base, config_mod.parse('exclude = ["deploy/**"]\n', "t")) == []
    assert added(repo, base, config_mod.parse('unprotect = [".env.*"]\n', "t")) == []


def test_a_virtualenv_is_judged_by_the_commit_not_the_disk(repo: Repo) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    base = head(repo)
    repo.stage(".env/lib/site.py", "x = 1\n")
    repo.commit("a dotenv directory")
    repo.write(".env/pyvenv.cfg", "home = /usr/bin\n")  # on disk only: proves nothing about the commit
    assert added(repo, base) == [(".env/lib/site.py", head(repo))]
    repo.git("rm", "-q", "-r", "--cached", ".env")
    repo.commit("untrack it")
    base = head(repo)
    repo.git("add", ".env/lib/site.py", ".env/pyvenv.cfg")
    repo.commit("a virtualenv, pyvenv.cfg and all")
    assert added(repo, base) == []


def test_the_hint_quotes_a_path_for_the_shell_and_leaves_escaping_to_the_output() -> None:
    hint = range_files.fix_hint("conf/my key\x1b.env", ".env.*")
    assert "git rm --cached -- 'conf/my key\x1b.env'" in hint and "add `.env.*` to .gitignore" in hint
