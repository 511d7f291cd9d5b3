"""Hook `credgate-secrets`: the staged gate, against real git repositories."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands import secrets
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, aws_pair, env_file_with_aws, secret


def run(*paths: str, **kw: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    opts = Options(out=out, err=err, **{k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw})  # type: ignore[arg-type]
    rc = secrets.run(paths, opts=opts, **kw)  # type: ignore[arg-type]
    return rc, out.getvalue(), err.getvalue()


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_blocks_staged_aws_pair_with_redacted_message(repo: Repo) -> None:
    content = env_file_with_aws()
    repo.stage(".env.master", content)
    proc = cli("secrets")
    assert proc.returncode == 1
    assert ".env.master:2:19  aws-access-key-id" in proc.stdout
    assert "git rm --cached -- .env.master" in proc.stdout
    for value in content.split("\n"):
        if "AWS_" in value:
            assert value.split("=", 1)[1] not in proc.stdout + proc.stderr
    assert "AKIA****" in proc.stdout


def test_clean_commit_passes_and_verbose_says_what_was_scanned(repo: Repo) -> None:
    repo.stage("app.py", "print('hello')\n" * 10)
    repo.stage("README.md", "# hi\n")
    rc, out, err = run(verbose=True)
    assert rc == 0
    assert out == ""
    assert "scanned 2 files (155 B) in staged changes" in err


def test_index_not_work_tree_is_scanned(repo: Repo) -> None:
    repo.stage("config.env", "DEBUG=1\n")
    repo.write("config.env", env_file_with_aws())  # unstaged: not part of the commit
    assert run()[0] == 0
    repo.stage("config.env", env_file_with_aws())
    repo.write("config.env", "DEBUG=1\n")  # the work tree is clean, the index is not
    assert run()[0] == 1


def test_first_commit_has_no_head(repo: Repo) -> None:
    assert repo.git("rev-parse", "-q", "--verify", "HEAD", check=False) == ""
    repo.stage("key.txt", f"token = {secret('%%github:ghp_%%')}\n")
    assert run()[0] == 1


def test_only_added_lines_block_unless_all_lines(repo: Repo) -> None:
    repo.stage("settings.py", f"OLD = '{secret('%%github:ghp_%%')}'\n")
    repo.commit("legacy secret, committed with --no-verify")
    repo.stage("settings.py", repo.path.joinpath("settings.py").read_text() + "DEBUG = True\n")
    rc, out, err = run(verbose=True)
    assert rc == 0
    assert "1 finding(s) on lines this commit does not add" in err
    assert run(all_lines=True)[0] == 1


def test_rename_without_changes_is_not_blocked_but_added_lines_are(repo: Repo) -> None:
    body = "".join(f"line {i}\n" for i in range(30)) + f"X = '{secret('%%github:ghp_%%')}'\n"
    repo.stage("old.py", body)
    repo.commit()
    repo.git("mv", "old.py", "new.py")
    assert run()[0] == 0
    repo.stage("new.py", body + f"Y = '{secret('%%github:gho_%%')}'\n")
    rc, out, _ = run()
    assert rc == 1
    assert "new.py:32" in out and "github-oauth-token" in out and "github-pat" not in out


def test_deletion_scans_nothing(repo: Repo) -> None:
    repo.stage("leak.env", env_file_with_aws())
    repo.commit()
    repo.git("rm", "-q", "leak.env")
    rc, _, err = run(verbose=True)
    assert rc == 0
    assert "scanned 0 files" in err


def test_binary_file_is_searched_for_distinctive_tokens(repo: Repo) -> None:
    repo.stage("blob.bin", b"\x00\x01binary\x00" + secret("%%github:ghp_%%").encode() + b"\x00")
    rc, out, err = run(verbose=True)
    assert rc == 1
    assert "1 binary (searched for high-confidence tokens only: blob.bin)" in err


def test_file_over_the_limit_blocks_by_name_until_allow_large_accepts_it(repo: Repo) -> None:
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\n')
    repo.stage("big.txt", "x" * (1024 * 1024 + 4096) + "\n")
    rc, out, _ = run()
    assert rc == 1
    assert "big.txt:1:1  file-too-large" in out and "over the 1.0 MiB limit" in out
    assert "allow-large" in out  # the fix is named
    repo.write(".credgate.toml", 'max-file-size = "1MiB"\nallow-large = ["*.txt"]\n')
    rc, out, _ = run(fmt="json")
    doc = json.loads(out)
    assert rc == 0
    assert [(f["rule"], f["blocking"]) for f in doc["findings"]] == [("file-too-large", False)]
    assert "allow-large" in doc["findings"][0]["advisory"]


def test_odd_file_names_are_scanned_and_escaped(repo: Repo) -> None:
    names = ["with space.env", "ünïcödé.env", "new\nline.env", "\x1b[31mred.env"]
    for name in names:
        repo.stage(name, f"t = {secret('%%github:ghp_%%')}\n")
    rc, out, _ = run()
    assert rc == 1
    assert out.count("github-pat") == len(names)
    assert "with space.env:1" in out and "ünïcödé.env:1" in out
    assert "new\\nline.env:1" in out
    assert "\\x1b[31mred.env:1" in out
    assert "\x1b" not in out


def test_non_utf8_content_and_file_name(repo: Repo) -> None:
    name = b"latin\xe9.txt"
    (repo.path / os.fsdecode(name)).write_bytes(b"caf\xe9\n" + f"t = {secret('%%github:ghp_%%')}\n".encode())
    repo.git("add", "-A")
    rc, out, _ = run()
    assert rc == 1
    assert "latin\\xe9.txt:2:5" in out


@pytest.mark.parametrize(
    "setting",
    [
        "color.ui=always",
        "color.diff=always",
        "core.quotePath=true",
        "diff.noprefix=true",
        "diff.mnemonicPrefix=true",
        "diff.external=/bin/false",
        "diff.relative=true",
        "diff.context=20",
        "diff.interHunkContext=50",
        "diff.algorithm=patience",
        "diff.renames=copies",
        "core.pager=false",
        "diff.suppressBlankEmpty=true",
        "diff.indentHeuristic=false",
        "core.attributesFile=/dev/null",
    ],
)
def test_user_git_config_does_not_change_the_result(repo: Repo, setting: str) -> None:
    repo.stage("a/base.py", "".join(f"v{i} = {i}\n" for i in range(40)))
    repo.commit()
    token = secret("%%github:ghp_%%")
    lines = [f"v{i} = {i}\n" for i in range(40)]
    lines.insert(20, f"TOKEN = '{token}'\n")
    repo.stage("a/base.py", "".join(lines))
    repo.stage("a/ünï code.py", "x = 1\n")
    key, value = setting.split("=", 1)
    repo.git("config", key, value)
    os.chdir(repo.path / "a")  # diff.relative would otherwise hide files outside the cwd
    rc, out, _ = run(fmt="json")
    doc = json.loads(out)
    assert rc == 1
    assert [(f["path"], f["line"], f["rule"]) for f in doc["findings"]] == [("a/base.py", 21, "github-pat")]
    assert doc["stats"]["files"] == 2


def test_gitattributes_binary_does_not_hide_text(repo: Repo) -> None:
    repo.stage(".gitattributes", "*.env -diff\n*.cfg binary\n")
    repo.stage("a.env", env_file_with_aws())
    repo.stage("b.cfg", f"token={secret('%%github:ghp_%%')}\n")
    rc, out, _ = run()
    assert rc == 1
    assert "a.env:2" in out and "b.cfg:1" in out


def test_utf16_file_is_scanned(repo: Repo) -> None:
    repo.stage("win.env", b"\xff\xfe" + env_file_with_aws().encode("utf-16-le"))
    rc, out, _ = run()
    assert rc == 1
    assert "win.env:2" in out


def test_symlink_is_scanned_as_a_link_never_followed(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.env"
    outside.write_text(env_file_with_aws())
    (repo.path / "link.env").symlink_to(outside)
    repo.git("add", "link.env")
    rc, _, err = run("link.env", verbose=True)
    assert rc == 0
    assert "scanned 1 file" in err  # the link text (a path), not the target


def test_git_index_file_is_honoured(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.stage("app.py", "x = 1\n")
    repo.commit()
    alt = repo.path / ".git" / "alt-index"
    env = {"GIT_INDEX_FILE": str(alt)}
    repo.git("read-tree", "HEAD", env=env)
    repo.write("app.py", f"x = '{secret('%%github:ghp_%%')}'\n")
    repo.git("add", "app.py", env=env)
    repo.write("app.py", "x = 1\n")
    assert run()[0] == 0  # the real index is clean
    monkeypatch.setenv("GIT_INDEX_FILE", str(alt))
    assert run()[0] == 1


def test_commit_all_is_blocked_through_the_hook(repo: Repo) -> None:
    """`git commit -a` stages into a temporary index named by GIT_INDEX_FILE."""
    repo.stage("app.py", "x = 1\n")
    repo.commit()
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m credgate secrets\n")
    hook.chmod(0o755)
    repo.write("app.py", f"x = '{secret('%%github:ghp_%%')}'\n")
    proc = subprocess.run(
        ["git", "commit", "-a", "-m", "leak"], cwd=repo.path, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "github-pat" in proc.stdout + proc.stderr


def test_worktree_and_sparse_checkout(repo: Repo, tmp_path: Path) -> None:
    repo.stage("dir/a.txt", "a\n")
    repo.stage("other/b.txt", "b\n")
    repo.commit()
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", str(wt))
    wrepo = Repo(wt)
    wrepo.git("sparse-checkout", "set", "dir")
    assert not (wt / "other").exists()
    wrepo.stage("dir/c.env", env_file_with_aws())
    os.chdir(wt)
    rc, out, _ = run()
    assert rc == 1
    assert "dir/c.env:2" in out


def test_files_mode_scans_unstaged_files_from_disk(repo: Repo) -> None:
    """pre-commit run --all-files / --files passes files that are not staged."""
    repo.stage("tracked.env", env_file_with_aws())
    repo.commit()
    rc, out, _ = run("tracked.env")
    assert rc == 1
    assert "found in files" in out
    with pytest.raises(UsageError, match="no such file"):
        run("does-not-exist.txt")
    assert cli("secrets", "does-not-exist.txt").returncode == 2


def test_excluded_paths_from_config(repo: Repo) -> None:
    repo.write(".credgate.toml", 'exclude = ["fixtures/**"]\n')
    repo.stage("fixtures/leak.env", env_file_with_aws())
    rc, _, err = run(verbose=True)
    assert rc == 0
    assert "1 excluded by config" in err


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("max-file-size = [", "not valid TOML"),
        ("colour = 1", "unknown setting(s) colour"),
        ('max-file-size = "big"', "max-file-size must be"),
        ('disable-rules = ["no-such-rule"]', "unknown rule id"),
        ('rules = ["missing.toml"]', "cannot read rule file"),
    ],
)
def test_broken_config_is_a_usage_error(repo: Repo, config: str, message: str) -> None:
    repo.write(".credgate.toml", config + "\n")
    repo.stage("a.txt", "a\n")
    proc = cli("secrets")
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_not_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    proc = cli("secrets", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not inside a git repository" in proc.stderr


def test_missing_blob_fails_closed(repo: Repo) -> None:
    repo.stage("a.txt", "some content that will vanish\n")
    sha = repo.git("rev-parse", ":a.txt").strip()
    (repo.path / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    proc = cli("secrets")
    assert proc.returncode == 3
    assert "failing closed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_json_output_never_holds_the_secret(repo: Repo) -> None:
    key_id, key = aws_pair()
    repo.stage(".env", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    proc = cli("secrets", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == 1 and len(doc["findings"]) == 2
    assert key not in proc.stdout and key_id not in proc.stdout


def test_notebook_cell_added_with_a_token_blocks_the_commit(repo: Repo) -> None:
    cells = [
        {"cell_type": "code", "source": ["x = 1\n"], "outputs": [], "metadata": {}, "execution_count": None}
    ]
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    repo.stage("nb.ipynb", json.dumps(doc, indent=1) + "\n")
    repo.commit()
    token = secret("%%github:ghp_%%")
    cells.append({"cell_type": "code", "source": [f"TOKEN = '{token}'\n"], "outputs": [], "metadata": {}})
    repo.stage("nb.ipynb", json.dumps(doc, indent=1) + "\n")
    rc, out, _ = run()
    assert rc == 1
    assert "cell 2 (code), line 1" in out


def test_dotenv_value_under_any_name_blocks_in_a_nested_env_file(repo: Repo) -> None:
    # The incident's file: a deployment's .env.* where the keys' names say nothing about secrets.
    value = secret("%%rand:alnum:39%%%%rand:digit:1%%")
    repo.stage("deploy/.env.master", f"APP_NAME=shop\nSENDGRID={value}\n")
    rc, out, _ = run()
    assert rc == 1
    assert "deploy/.env.master:2:10  env-file-generated-value" in out
    assert value not in out
    # The same line in a template is a copied production value: it blocks there too, and a placeholder passes.
    repo.git("rm", "-q", "--cached", "deploy/.env.master")
    repo.stage("deploy/.env.example", f"APP_NAME=shop\nSENDGRID={value}\n")
    rc, out, _ = run()
    assert rc == 1
    assert "deploy/.env.example:2:10  env-file-generated-value" in out
    repo.stage("deploy/.env.example", "APP_NAME=shop\nSENDGRID=your-api-key-here\n")
    assert run()[0] == 0
