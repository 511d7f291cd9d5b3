"""gate/audit.py and gate/audit_setup.py: the audit's decisions, without click or printing."""

from __future__ import annotations

import subprocess

import pytest

from credgate.config import Config
from credgate.gate import audit as gate
from credgate.gate import audit_setup
from credgate.gate.credential_files import Classifier
from credgate.policy import DEFAULT_PROTECTED, ENV_TEMPLATES
from tests.conftest import Repo, env_file_with_aws

FULL = "".join(f"{p.pattern}\n" for p in DEFAULT_PROTECTED)
FULL += "".join(f"!{t}\n" for t in sorted(ENV_TEMPLATES))


def test_audit_returns_every_check_in_order_and_skips(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.stage(".gitignore", FULL)
    repo.commit()
    checks = gate.audit(skip=("hooks",))
    assert [c.name for c in checks] == list(gate.CHECKS)
    by = {c.name: c for c in checks}
    assert by["hooks"].verdict == "SKIPPED"
    assert by["tracked"].safe and by["history"].safe and by["gitignore"].safe
    assert by["ci"].verdict == "UNSAFE"  # no committed CI configuration
    assert capsys.readouterr() == ("", "")  # decisions only


def test_tracked_and_history_find_a_committed_env_file(repo: Repo) -> None:
    repo.stage(".gitignore", FULL)
    repo.write(".env.master", env_file_with_aws())
    repo.git("add", "-f", ".env.master")
    repo.commit("leak")
    classifier = Classifier(Config())
    by = {c.name: c for c in gate.audit(skip=("hooks", "ci"))}
    assert not by["tracked"].safe and [v.path for v in by["tracked"].facts["blocked"]] == [".env.master"]
    assert by["history"].facts["entries"][0].path == ".env.master"
    entries = gate.history_entries(str(repo.path), Config(), classifier)
    assert [(e.path, e.kind, e.reachable) for e in entries] == [(".env.master", "env", True)]


def test_gitignore_check_uses_the_shared_probes(repo: Repo) -> None:
    repo.stage(".gitignore", FULL)
    repo.stage("svc/.gitignore", "!/.env.local\n")
    repo.commit()
    check = gate.check_gitignore(str(repo.path), Classifier(Config()))
    assert check.verdict == "UNSAFE"
    assert [u.probe for u in check.facts["uncovered"]] == ["svc/.env.local"]
    assert [str(r) for r in check.facts["reincluding"]] == ["svc/.gitignore:1: !/.env.local"]
    assert not check.facts["disk_covers"]


def test_gitignore_check_says_when_only_the_disk_is_fixed(repo: Repo) -> None:
    repo.stage(".gitignore", ".env\n")
    repo.commit()
    repo.write(".gitignore", FULL)
    check = gate.check_gitignore(str(repo.path), Classifier(Config()))
    assert not check.safe and check.facts["disk_covers"]


def test_a_bare_clone_answers_what_it_can(
    repo: Repo, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.stage(".gitignore", FULL)
    repo.commit()
    bare = repo.path.parent / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    monkeypatch.chdir(bare)
    by = {c.name: c for c in gate.audit()}
    assert by["tracked"].verdict == "SKIPPED" and by["hooks"].verdict == "SKIPPED"
    assert by["tracked"].facts == by["hooks"].facts == {"bare": True}
    assert by["gitignore"].safe and by["history"].safe


def test_hook_ids_ignore_commented_out_hooks() -> None:
    text = "repos:\n  - hooks:\n      - id: credgate-secrets\n#     - id: credgate-files\n"
    assert audit_setup.credgate_hook_ids(text) == ["credgate-secrets"]
