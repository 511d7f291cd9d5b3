"""The push gates as an attacker tries them (issue 12): each case lets a secret through or breaks every push
unless scan-range, ci, pre-receive and history handle it. Real git throughout: bare remotes, real pushes,
the shipped hooks installed in them."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import gitio
from credgate.commands import ci, history, scan_range
from credgate.commands._options import Options
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, secret


def run(**kw: object) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
    rc = scan_range.run(**kw, opts=Options(out=out, err=err, **shared))  # type: ignore[arg-type]
    return rc, out.getvalue() + err.getvalue()


def run_json(**kw: object) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    rc = scan_range.run(**kw, opts=Options(fmt="json", out=out, err=io.StringIO()))  # type: ignore[arg-type]
    return rc, json.loads(out.getvalue())


def history_json() -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    rc = history.run(opts=Options(fmt="json", out=out, err=io.StringIO()))
    return rc, json.loads(out.getvalue())["findings"]


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def token_line() -> str:
    return f"GITHUB_TOKEN = '{secret('%%github:ghp_%%')}'\n"


@pytest.fixture
def remote(tmp_path: Path, repo: Repo) -> Path:
    """A bare remote with the shipped pre-receive hook, holding one clean commit of main."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    repo.git("push", "-q", "origin", "main")
    hook = bare / "hooks" / "pre-receive"
    hook.write_bytes((PROJECT / "hooks" / "pre-receive").read_bytes())
    hook.chmod(0o755)
    return bare


def push(repo: Repo, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


def remote_refs(bare: Path) -> str:
    return subprocess.run(["git", "for-each-ref"], cwd=bare, capture_output=True, text=True).stdout


# ------------------------------------------------------------ 2: verdicts per (blob, path)


def test_env_file_with_an_identical_example_beside_it_still_blocks(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    base = head(repo)
    # A word value: a template may document it, the deployed file may not (a generated value would
    # block in both since templates must hold placeholders).
    content = "APP=prod\nDB_PASSWORD=postgres\n"
    repo.stage(".env.example", content)  # sorts first: a per-blob cache judged the pair by this name
    repo.stage(".env.production", content)
    repo.commit("env files")
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    paths = {f["path"] for f in doc["findings"]}  # type: ignore[union-attr]
    assert paths == {".env.production"}  # the template is still judged as a template
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0 and ".env.production" in rejected.stderr
    assert base in remote_refs(remote)  # main did not move


def test_a_rule_scoped_to_some_files_is_applied_per_path_in_one_commit(repo: Repo) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    base = head(repo)
    content = f"MAILER={secret('%%rand:alnum:32%%')}\n"  # env-file-generated-value: files = ["*.env", ...]
    repo.stage("config.txt", content)  # sorts first, and the rule does not apply to it
    repo.stage("deploy.env", content)
    repo.commit("same bytes, two names")
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    found = [(f["path"], f["rule"]) for f in doc["findings"]]  # type: ignore[union-attr]
    # deploy.env is also a credential file by name (issue 18 item 3); config.txt is neither.
    assert found == [("deploy.env", "env-file-generated-value"), ("deploy.env", "credential-file")]


def test_key_copied_into_tests_later_in_the_push_blocks_where_it_was_added(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    pem = secret("%%pem:RSA_PRIVATE_KEY%%") + "\n"
    repo.stage("deploy/server.key", pem)
    repo.commit("deploy key")
    added = head(repo)
    repo.stage("tests/fixtures/server.key", pem)  # newest first: this path was seen first
    repo.commit("reuse it as a fixture")
    rc, doc = run_json(from_ref="origin/main", to_ref="HEAD")
    assert rc == 1
    blocking = [f for f in doc["findings"] if f["blocking"]]  # type: ignore[union-attr]
    assert [(f["path"], f["commit"]) for f in blocking] == [("deploy/server.key", added)]  # type: ignore[index]
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0 and "deploy/server.key" in rejected.stderr
    # ci and history reach the same verdict
    out = io.StringIO()
    assert (
        ci.run(base="origin/main", head="HEAD", env={"CI": "true"}, opts=Options(out=out, err=io.StringIO()))
        == 1
    )
    assert "deploy/server.key" in out.getvalue()
    rc, found = history_json()
    assert rc == 1 and found[0]["path"] == "deploy/server.key"


# ------------------------------------------------------------ 3: tags of blobs and trees


def test_tag_of_a_blob_is_rejected_by_pre_push_and_pre_receive(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    leak = repo.write("leak.txt", token_line())
    blob = repo.git("hash-object", "-w", str(leak)).strip()
    leak.unlink()
    repo.git("tag", "leak", blob)
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    blocked = push(repo, tmp_path, "origin", "leak")
    assert blocked.returncode != 0
    assert f"{blob} (blob at refs/tags/leak)" in blocked.stdout + blocked.stderr
    assert "github-pat" in blocked.stdout + blocked.stderr
    rejected = push(repo, tmp_path, "--no-verify", "origin", "leak")
    assert rejected.returncode != 0 and "pre-receive hook declined" in rejected.stderr
    assert "github-pat" in rejected.stderr
    assert "refs/tags/leak" not in remote_refs(remote)


def test_annotated_tag_of_a_blob_and_tag_of_a_tree_are_rejected(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    leak = repo.write("leak.txt", token_line())
    blob = repo.git("hash-object", "-w", str(leak)).strip()
    leak.unlink()
    repo.git("tag", "-a", "-m", "just a note", "wrapped", blob)
    rejected = push(repo, tmp_path, "--no-verify", "origin", "wrapped")
    assert rejected.returncode != 0 and f"{blob} (blob at refs/tags/wrapped)" in rejected.stderr
    # a tree: every file in it is judged at its own path
    repo.stage("config/settings.py", token_line())
    tree = repo.git("write-tree").strip()
    repo.git("reset", "-q")
    repo.git("tag", "snapshot", tree)
    rejected = push(repo, tmp_path, "--no-verify", "origin", "snapshot")
    assert rejected.returncode != 0 and "config/settings.py:1" in rejected.stderr
    assert f"in tree {tree[:12]}" in rejected.stderr
    refs = remote_refs(remote)
    assert "refs/tags/wrapped" not in refs and "refs/tags/snapshot" not in refs


def test_clean_blob_and_tree_tags_pass_and_count_what_was_scanned(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    note = repo.write("note.txt", "release notes\n")
    blob = repo.git("hash-object", "-w", str(note)).strip()
    repo.git("tag", "notes", blob)
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    repo.git("tag", "-a", "-m", "the tree of the base", "tree-v1", tree)
    rc, out = run(pre_receive=True, stdin=io.StringIO(f"{'0' * 40} {blob} refs/tags/notes\n"), verbose=True)
    assert rc == 0 and "1 changed file" in out
    accepted = push(repo, tmp_path, "origin", "notes", "tree-v1")
    assert accepted.returncode == 0, accepted.stderr
    assert "refs/tags/notes" in remote_refs(remote)


# ------------------------------------------------------------ 4: octopus merges


def octopus(repo: Repo, new_file: str, content: str) -> str:
    """Merge three branches at once, adding a file none of them has; returns the merge."""
    for name in ("b1", "b2", "b3"):
        repo.git("checkout", "-q", "-b", name, "main")
        repo.stage(f"{name}.txt", f"{name}\n")
        repo.commit(name)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "b1", "b2", "b3")
    repo.stage(new_file, content)
    repo.stage("b2.txt", "b2\nadded by the merge\n")  # a file a parent has, plus a line of the merge's own
    repo.git("commit", "-q", "--no-verify", "-m", "octopus")
    assert len(repo.git("rev-list", "--parents", "-n1", "HEAD").split()) == 5  # main and three branches
    return head(repo)


def test_octopus_merge_that_adds_a_secret_is_caught_everywhere(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    for name in ("b1", "b2", "b3"):  # the merged branches are already on the server
        repo.git("checkout", "-q", "-b", name, "main")
        repo.stage(f"{name}.txt", f"{name}\n")
        repo.commit(name)
        assert push(repo, tmp_path, "-q", "origin", name).returncode == 0
    repo.git("checkout", "-q", "main")
    base = head(repo)
    repo.git("merge", "-q", "--no-ff", "--no-commit", "b1", "b2", "b3")
    repo.stage("settings.py", token_line())
    repo.git("commit", "-q", "--no-verify", "-m", "octopus")
    merge = head(repo)
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    assert [(f["path"], f["commit"]) for f in doc["findings"]] == [("settings.py", merge)]  # type: ignore[union-attr]
    out = io.StringIO()
    assert ci.run(base=base, head="HEAD", env={"CI": "true"}, opts=Options(out=out, err=io.StringIO())) == 1
    assert "settings.py" in out.getvalue()
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0 and "settings.py:1" in rejected.stderr
    rc, found = history_json()
    assert rc == 1 and [(f["path"], f["commit"]) for f in found] == [("settings.py", merge)]


def test_octopus_merge_is_judged_on_its_own_lines_not_its_parents(repo: Repo) -> None:
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = head(repo)
    merge = octopus(repo, "notes.txt", "nothing secret\n")
    commits = {c.sha: c for c in gitio.iter_commits([merge, f"^{base}"], keep_text=True)}
    changes = {c.path: c for c in commits[merge].changes}
    # b1.txt and b3.txt come unchanged from their branches: neither is the merge's.
    assert set(changes) == {b"b2.txt", b"notes.txt"}
    assert changes[b"b2.txt"].added == {2} and changes[b"b2.txt"].added_blocks == [
        (2, 1, b"added by the merge")
    ]
    assert changes[b"notes.txt"].added == {1}
    # a secret a merged branch added is reported at that branch's commit, not again at the merge
    repo.git("checkout", "-q", "-b", "b4", base)
    repo.stage("b4.py", token_line())
    repo.commit("b4 adds a token")
    b4 = head(repo)
    repo.git("checkout", "-q", "-b", "b5", base)
    repo.stage("b5.txt", "b5\n")
    repo.commit("b5")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "octopus 2", "b4", "b5")
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    assert [(f["path"], f["commit"]) for f in doc["findings"]] == [("b4.py", b4)]  # type: ignore[union-attr]


# ------------------------------------------------------------ 7: type changes


def test_symlink_to_file_and_back_in_one_commit_each(repo: Repo, remote: Path, tmp_path: Path) -> None:
    os.symlink("README.md", repo.path / "config.py")
    repo.git("add", "config.py")
    repo.commit("a symlink")
    assert push(repo, tmp_path, "-q", "origin", "main").returncode == 0
    base = head(repo)
    (repo.path / "config.py").unlink()
    repo.stage("config.py", "DEBUG = False\n" + token_line())  # symlink -> file
    repo.commit("a real file now")
    to_file = head(repo)
    assert "T\tconfig.py" in repo.git("show", "--raw", "--format=", "HEAD")
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    assert [(f["path"], f["line"], f["commit"]) for f in doc["findings"]] == [("config.py", 2, to_file)]  # type: ignore[union-attr]
    (repo.path / "config.py").unlink()
    os.symlink("README.md", repo.path / "config.py")
    repo.git("add", "config.py")
    repo.commit("a symlink again")  # file -> symlink
    rc, out = run(from_ref=to_file, to_ref="HEAD", verbose=True)
    assert rc == 0 and "scanned 1 commit (1 changed file" in out
    # the push gates, ci and history neither crash (exit 3) nor miss it
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    blocked = push(repo, tmp_path, "origin", "main")
    assert blocked.returncode == 1 and "config.py:2" in blocked.stdout + blocked.stderr
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert "pre-receive hook declined" in rejected.stderr and "config.py:2" in rejected.stderr
    assert (
        ci.run(base=base, head="HEAD", env={"CI": "true"}, opts=Options(out=io.StringIO(), err=io.StringIO()))
        == 1
    )
    rc, found = history_json()
    assert rc == 1 and [(f["path"], f["commit"]) for f in found] == [("config.py", to_file)]
    from credgate.commands import incident, remediate

    out = io.StringIO()
    assert remediate.run(opts=Options(out=out, err=io.StringIO())) == 1 and "in config.py;" in out.getvalue()
    out = io.StringIO()
    incident.run(opts=Options(out=out))
    assert "`config.py:2`" in out.getvalue()


def test_staged_type_change_is_judged_by_the_commit_hook(repo: Repo) -> None:
    from credgate.commands import secrets

    repo.stage("README.md", "hi\n")
    os.symlink("README.md", repo.path / "link")
    repo.git("add", "link")
    repo.commit()
    (repo.path / "link").unlink()
    repo.stage("link", token_line())
    out = io.StringIO()
    assert secrets.run(opts=Options(out=out, err=io.StringIO())) == 1
    assert "link:1" in out.getvalue()


# ------------------------------------------------------------ 8: git settings that change `git log`

LOG_SETTINGS = {
    "log.showRoot": "false",
    "log.showSignature": "true",
    "log.decorate": "full",
    "log.abbrevCommit": "true",
    "log.follow": "true",
    "log.graphColors": "red,green",
    "log.mailmap": "true",
    "log.date": "relative",
    "format.pretty": "fuller",
    "i18n.logOutputEncoding": "UTF-16",
    "diff.noprefix": "true",
    "diff.mnemonicPrefix": "true",
    "diff.renames": "copies",
    "diff.submodule": "diff",
    "diff.suppressBlankEmpty": "true",
    "diff.algorithm": "histogram",
    "diff.indentHeuristic": "false",
    "diff.context": "7",
    "diff.colorMoved": "zebra",
    "diff.orderFile": "/dev/null",
    "diff.relative": "true",
    "color.ui": "always",
    "color.diff": "always",
    "core.abbrev": "5",
    "core.quotePath": "true",
    "grep.patternType": "perl",
    "notes.displayRef": "refs/notes/*",
    "merge.conflictStyle": "zdiff3",
}


def test_git_log_settings_change_nothing_the_gates_see(repo: Repo, tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is needed to sign commits")
    key = tmp_path / "signing"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"test@example.invalid {(tmp_path / 'signing.pub').read_text()}")
    for k, v in {
        "gpg.format": "ssh",
        "user.signingkey": str(key) + ".pub",
        "commit.gpgSign": "true",
        "gpg.ssh.allowedSignersFile": str(allowed),
    }.items():
        repo.git("config", k, v)
    repo.stage("root.env", f"API_TOKEN={secret('%%github:ghp_%%')}\n")  # a signed root commit
    repo.commit("root: héllo")
    repo.stage("sub/ünïcode file.py", "x = 1\n" + token_line())
    repo.commit("second")
    repo.git("notes", "add", "-m", "a note", "HEAD")
    repo.git("mv", "sub/ünïcode file.py", "sub/moved.py")
    repo.stage("sub/moved.py", (repo.path / "sub" / "moved.py").read_text() + token_line())
    repo.commit("move and add")
    assert "Good" in repo.git("log", "--show-signature", "-1")

    def results() -> tuple[object, ...]:
        rc, doc = run_json(to_ref="HEAD")
        hrc, found = history_json()
        return (
            rc,
            sorted((f["path"], f["line"], f["commit"]) for f in doc["findings"]),  # type: ignore[union-attr]
            doc["stats"],
            hrc,
            sorted((f["path"], f["line"], f["commit"]) for f in found),
        )

    plain = results()
    assert plain[0] == 1 and any(path == "root.env" for path, _, _ in plain[1])  # type: ignore[attr-defined]
    assert len(plain[1]) == 4  # type: ignore[arg-type]  # three tokens; root.env is a credential file
    for k, v in LOG_SETTINGS.items():
        repo.git("config", k, v)
    assert "Good" in repo.git("log", "-1")  # git itself now prints signatures, and hides the root diff
    assert results() == plain
    # the server's own settings do not change what its pre-receive hook sees either
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_bytes((PROJECT / "hooks" / "pre-receive").read_bytes())
    hook.chmod(0o755)
    for k, v in LOG_SETTINGS.items():
        subprocess.run(["git", "config", k, v], cwd=bare, check=True)
    rejected = push(repo, tmp_path, "--no-verify", str(bare), "main")
    assert rejected.returncode != 0 and "pre-receive hook declined" in rejected.stderr
    found = rejected.stderr.count("github-pat") + rejected.stderr.count("  credential-file  ")
    assert found == len(plain[1])  # type: ignore[arg-type]
    for path, line, _ in plain[1]:  # type: ignore[attr-defined]
        assert f"{path}:{line}:" in rejected.stderr


# ------------------------------------------------------------ 9: commit and tag messages


def test_token_in_a_commit_message_blocks_with_the_commit_id(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    base = head(repo)
    token = secret("%%github:ghp_%%")
    repo.stage("app.py", "print('ok')\n")
    repo.git("commit", "-q", "--no-verify", "-m", f"deploy fix\n\nused GITHUB_TOKEN={token} to test")
    sha = head(repo)
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    (f,) = doc["findings"]  # type: ignore[misc]
    assert f["path"] == f"{sha} (commit message)" and f["commit"] == sha and f["line"] == 3
    assert token not in json.dumps(doc)
    rc, text = run(from_ref=base, to_ref="HEAD")
    assert f"{sha} (commit message):3:" in text and token not in text
    assert f"git rebase -i {base[:12]} and mark that commit `reword`" in text
    out = io.StringIO()
    scan_range.run(from_ref=base, to_ref="HEAD", opts=Options(fmt="sarif", out=out, err=io.StringIO()))
    sarif = json.loads(out.getvalue())
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["commit"] == sha
    assert "commit%20message" in result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    out = io.StringIO()
    assert ci.run(base=base, head="HEAD", env={"CI": "true"}, opts=Options(out=out, err=io.StringIO())) == 1
    assert f"{sha} (commit message)" in out.getvalue()
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0 and f"{sha} (commit message)" in rejected.stderr
    rc, found = history_json()
    assert rc == 1 and found[0]["path"] == f"{sha} (commit message)"


def test_token_in_an_annotated_tag_message_is_rejected(repo: Repo, remote: Path, tmp_path: Path) -> None:
    repo.git("tag", "-a", "v1", "-m", f"release\n\ntoken {secret('%%github:ghp_%%')}")
    tag = repo.git("rev-parse", "v1").strip()
    repo.git("config", "core.hooksPath", str(PROJECT / "hooks"))
    blocked = push(repo, tmp_path, "origin", "v1")
    assert blocked.returncode != 0 and f"{tag} (message of tag v1):3" in blocked.stdout + blocked.stderr
    rejected = push(repo, tmp_path, "--no-verify", "origin", "v1")
    assert rejected.returncode != 0 and "message of tag v1" in rejected.stderr
    assert "refs/tags/v1" not in remote_refs(remote)
    rc, found = history_json()
    assert rc == 1 and found[0]["path"] == f"{tag} (message of tag v1)"
    repo.git("tag", "-d", "v1")
    repo.git("tag", "-a", "v1", "-m", "release 1")  # a clean tag of the same commit goes through
    accepted = push(repo, tmp_path, "origin", "v1")
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.skipif(
    not os.access(os.path.join(os.path.dirname(sys.executable), "git-filter-repo"), os.X_OK),
    reason="git-filter-repo is installed with the test extras",
)
def test_remediate_rewrites_a_token_out_of_commit_messages(repo: Repo) -> None:
    from credgate.commands import remediate

    token = secret("%%github:ghp_%%")
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    repo.stage("app.py", "print('ok')\n")
    repo.git("commit", "-q", "--no-verify", "-m", f"deploy\n\nGITHUB_TOKEN={token}")
    in_tag = secret("%%github:ghp_%%")
    repo.git("tag", "-a", "v1", "-m", f"release\n\n{in_tag}")
    out = io.StringIO()
    assert remediate.run(opts=Options(out=out, err=io.StringIO())) == 1
    assert "--replace-message" in out.getvalue()
    out = io.StringIO()
    assert remediate.run(apply=True, opts=Options(out=out, err=io.StringIO())) == 0, out.getvalue()
    log = repo.git("log", "--branches", "--format=%B")
    assert token not in log and "***REMOVED-by-credgate***" in log
    assert in_tag not in repo.git("for-each-ref", "refs/tags", "--format=%(contents)")
    assert history_json()[0] == 0


def test_renaming_a_template_or_a_fixture_into_place_blocks(repo: Repo, remote: Path, tmp_path: Path) -> None:
    repo.stage(".env.example", "APP=prod\nDB_PASSWORD=postgres\n")
    repo.stage("tests/fixtures/server.key", secret("%%pem:RSA_PRIVATE_KEY%%") + "\n")
    repo.commit("a template and a fixture")
    assert push(repo, tmp_path, "origin", "main").returncode == 0  # both pass under these names
    base = head(repo)
    repo.git("mv", ".env.example", ".env.production")  # 100% renames: no line is added
    (repo.path / "deploy").mkdir()
    repo.git("mv", "tests/fixtures/server.key", "deploy/server.key")
    repo.commit("put them in place")
    moved = head(repo)
    rc, doc = run_json(from_ref=base, to_ref="HEAD")
    assert rc == 1
    got = sorted((f["path"], f["commit"]) for f in doc["findings"] if f["blocking"])  # type: ignore[union-attr]
    # .env.production twice: its value, and the credential file the rename adds (issue 18 item 3).
    assert got == [(".env.production", moved), (".env.production", moved), ("deploy/server.key", moved)]
    rejected = push(repo, tmp_path, "origin", "main")
    assert rejected.returncode != 0 and ".env.production" in rejected.stderr
    rc, found = history_json()
    assert rc == 1 and sorted(f["path"] for f in found) == [".env.production", "deploy/server.key"]


def test_renaming_a_file_does_not_report_again_what_already_blocked(repo: Repo) -> None:
    repo.stage("config.py", token_line())
    repo.commit("a token, already published")
    base = head(repo)
    repo.git("mv", "config.py", "settings.py")
    repo.commit("rename")
    rc, out = run(from_ref=base, to_ref="HEAD", verbose=True)
    assert rc == 0, out


def test_a_replace_ref_pushed_first_does_not_hide_a_commit(repo: Repo, remote: Path, tmp_path: Path) -> None:
    repo.stage("app.py", "print('clean')\n")
    repo.commit("clean twin")
    clean = head(repo)
    repo.git("reset", "-q", "--hard", "HEAD^")
    repo.stage("app.py", "print('clean')\n" + token_line())
    repo.commit("the leak")
    leak = head(repo)
    repo.git("replace", leak, clean)  # git log now shows the clean twin in the leak's place
    accepted = push(repo, tmp_path, "--no-verify", "origin", f"refs/replace/{leak}")
    assert accepted.returncode == 0, accepted.stderr
    rc, out = run(from_ref="origin/main", to_ref=leak)
    assert rc == 1 and "app.py:2" in out
    rejected = push(repo, tmp_path, "--no-verify", "origin", "main")
    assert rejected.returncode != 0 and "app.py:2" in rejected.stderr


def test_gpg_signed_commits_with_show_signature_read_the_same(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("gpg") is None:
        pytest.skip("gpg is needed to sign commits")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    made = subprocess.run(
        ["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
         "Test User <test@example.invalid>", "ed25519", "sign", "never"],
        capture_output=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("gpg cannot make a key here")
    try:
        repo.git("config", "commit.gpgSign", "true")
        repo.stage("a.py", "x = 1\n")
        repo.commit("signed root")
        repo.stage("b.py", token_line())
        repo.commit("signed leak")
        assert "Good signature" in repo.git("log", "--show-signature", "-1")
        plain = run_json(to_ref="HEAD")
        repo.git("config", "log.showSignature", "true")
        repo.git("config", "log.showRoot", "false")
        assert run_json(to_ref="HEAD") == plain
        assert plain[0] == 1 and [f["path"] for f in plain[1]["findings"]] == ["b.py"]  # type: ignore[union-attr]
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], capture_output=True, check=False)


def test_a_tag_of_a_tag_of_a_blob_is_peeled_to_the_end(repo: Repo) -> None:
    repo.stage("README.md", "hi\n")
    repo.commit()
    leak = repo.write("leak.txt", token_line())
    blob = repo.git("hash-object", "-w", str(leak)).strip()
    leak.unlink()
    repo.git("tag", "-a", "-m", "inner", "inner", blob)
    repo.git("tag", "-a", "-m", f"outer {secret('%%github:ghp_%%')}", "outer", "inner")
    outer = repo.git("rev-parse", "outer").strip()
    inner = repo.git("rev-parse", "inner").strip()
    assert repo.git("cat-file", "-t", inner).strip() == "tag"
    stdin = io.StringIO(f"{'0' * 40} {outer} refs/tags/outer\n")
    rc, doc = run_json(pre_receive=True, stdin=stdin)
    assert rc == 1
    assert sorted(f["path"] for f in doc["findings"]) == sorted(  # type: ignore[union-attr]
        [f"{blob} (blob at refs/tags/outer)", f"{outer} (message of tag outer)"]
    )
