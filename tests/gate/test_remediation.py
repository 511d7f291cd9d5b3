"""gate.remediation: what one rewrite removes (whole files, values everywhere) and the expressions file."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from credgate import gitio
from credgate.errors import UsageError
from credgate.gate import history, remediation
from tests.conftest import Repo, aws_pair, secret


def test_expressions_escape_the_separator_and_match_either_line_end() -> None:
    key = b"-----BEGIN KEY-----\nab+/=\n-----END KEY-----"
    lines = remediation.expressions([key, b"pa==>ss"]).splitlines()
    patterns = [line.rsplit(b"==>", 1)[0][len(b"regex:") :] for line in lines]
    assert all(line.startswith(b"regex:") and line.count(b"==>") == 1 for line in lines)
    assert re.search(patterns[0], key.replace(b"\n", b"\r\n")) and re.search(patterns[0], key)
    assert re.fullmatch(patterns[1], b"pa==>ss")


def test_expressions_list_each_value_once_as_a_literal() -> None:
    body = remediation.expressions([b"b-value", b"a-value", b"b-value"])
    assert (
        body == b"literal:a-value==>***REMOVED-by-credgate***\nliteral:b-value==>***REMOVED-by-credgate***\n"
    )


def test_write_private_is_owner_only_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "expr.txt"
    remediation.write_private(str(target), b"x")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with pytest.raises(FileExistsError):
        remediation.write_private(str(target), b"y")
    assert target.read_bytes() == b"x"


def test_purge_drops_credential_files_whole_and_replaces_values_in_docs(repo: Repo) -> None:
    key_id, key = aws_pair()
    repo.stage(".env.master", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    repo.stage("docs/GUIDE.md", f"export AWS_ACCESS_KEY_ID={key_id}\n")
    repo.stage("id_rsa.pub", "ssh-ed25519 AAAA comment\n")
    repo.commit("leak")
    cfg = history.load_config(None)
    secrets = remediation.secrets_in(history.ALL_REFS, cfg)
    named = remediation.credential_files_in_history(cfg)
    purge = remediation.purge_for(secrets, named, cfg)
    assert purge.files == [".env.master"]
    assert purge.value_paths == ["docs/GUIDE.md"]  # a doc keeps its history, its values replaced
    assert sorted(purge.values) == sorted({key_id.encode(), key.encode()})
    assert remediation.path_args(purge.files) == ["--invert-paths", "--path", ".env.master"]
    assert remediation.path_args([]) == []


def test_credential_files_without_a_recognised_value_are_still_removed(repo: Repo) -> None:
    repo.stage(".env.production", "DB_HOST=db.internal\n")
    repo.commit()
    repo.git("rm", "-q", "--cached", ".env.production")
    repo.commit("untrack")
    cfg = history.load_config(None)
    assert remediation.secrets_in(history.ALL_REFS, cfg) == []
    assert remediation.credential_files_in_history(cfg) == [".env.production"]


def test_preflight_refuses_a_dirty_work_tree_before_writing_anything(repo: Repo) -> None:
    repo.stage("a.py", f"T = '{secret('%%github:ghp_%%')}'\n")
    repo.commit()
    repo.write("a.py", "local edit\n")
    with pytest.raises(UsageError, match="uncommitted changes"):
        remediation.preflight(gitio.layout())
    assert not (repo.path / ".git" / remediation.BACKUP_DIR).exists()
