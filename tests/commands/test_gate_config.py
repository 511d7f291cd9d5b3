"""In CI and pre-receive the change under review does not decide the rules it is judged by.

The config, its custom rule files and the baseline come from the base revision; a change
that weakens them is a blocking finding for the reviewer, unless the base's config sets
`allow-config-changes = true`.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from credgate.commands import baseline, ci
from credgate.commands._options import Options
from credgate.config import parse
from credgate.errors import UsageError
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import PROJECT, Repo, secret


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def token_py() -> str:
    return f"TOKEN = '{secret('%%github:ghp_%%')}'\n"


def run_ci(repo: Repo, base: str, *args: str, **kw: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"CI": "true", "CREDGATE_BASE": base, "CREDGATE_HEAD": head(repo)}
    shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
    rc = ci.run(env=env, **kw, opts=Options(out=out, err=err, **shared))  # type: ignore[arg-type]
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def based(repo: Repo) -> tuple[Repo, str]:
    """A base revision with a config, and a branch for the change."""
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\nprotect = ["*.secret"]\n')
    repo.stage("README.md", "hello\n")
    repo.commit("base")
    base = head(repo)
    repo.git("checkout", "-q", "-b", "change")
    return repo, base


@pytest.mark.parametrize(
    ("config", "what"),
    [
        ('exclude = ["vendor/**", "*.py"]\nprotect = ["*.secret"]\n', 'exclude adds "*.py"'),
        (
            'allow-large = ["*.py"]\nexclude = ["vendor/**"]\nprotect = ["*.secret"]\n',
            'allow-large adds "*.py"',
        ),
        (
            'exclude = ["vendor/**"]\nprotect = ["*.secret"]\ndisable-rules = ["github-pat"]\n',
            "disable-rules adds",
        ),
        ('exclude = ["vendor/**"]\n', 'protect drops "*.secret"'),
        (
            'exclude = ["vendor/**"]\nprotect = ["*.secret"]\nunprotect = [".npmrc"]\n',
            'unprotect adds ".npmrc"',
        ),
        (
            'exclude = ["vendor/**"]\nprotect = ["*.secret"]\nnotices = "hide"\n',
            'notices changed from "report"',
        ),
        (
            'exclude = ["vendor/**"]\nprotect = ["*.secret"]\nallow-config-changes = true\n',
            "allow-config-changes",
        ),
        ("exclude = [\n", "no longer loads"),
    ],
)
def test_a_change_that_weakens_the_config_is_judged_by_the_base_and_blocks(
    based: tuple[Repo, str], config: str, what: str
) -> None:
    repo, base = based
    repo.stage(".credgate.toml", config)
    repo.stage("app.py", token_py())
    repo.commit("weaken the gate and leak")
    rc, out, err = run_ci(repo, base)
    assert rc == 1
    assert "app.py:1" in out  # judged by the base's rules: the token is found anyway
    assert "this change weakens the secret gate" in out and what in out
    assert "gate-config-weakened" in out and ".credgate.toml:" in out
    assert len([line for line in err.splitlines() if line.startswith("credgate: scanned")]) == 1


def test_a_config_change_alone_blocks_until_the_base_allows_it(based: tuple[Repo, str]) -> None:
    repo, base = based
    repo.stage(".credgate.toml", 'exclude = ["vendor/**", "docs/**"]\nprotect = ["*.secret"]\n')
    repo.commit("exclude docs")
    rc, out, _ = run_ci(repo, base)
    assert rc == 1 and 'exclude adds "docs/**"' in out and ".credgate.toml:1:1" in out
    assert "credgate: 1 finding found" in out and "secret  " not in out and "fix     this run used" in out
    # The base itself allows such changes: reported to the reviewer as a notice, not blocking.
    repo.git("checkout", "-q", base)
    repo.git("checkout", "-q", "-b", "permissive")
    repo.stage(
        ".credgate.toml", 'exclude = ["vendor/**"]\nprotect = ["*.secret"]\nallow-config-changes = true\n'
    )
    repo.commit("the owners allow config changes")
    permissive = head(repo)
    repo.stage(".credgate.toml", 'exclude = ["vendor/**", "docs/**"]\nallow-config-changes = true\n')
    repo.commit("exclude docs")
    rc, out, _ = run_ci(repo, permissive)
    assert rc == 0
    assert "notice" in out and 'exclude adds "docs/**"' in out and "allow-config-changes = true" in out


def test_a_change_that_strengthens_the_config_passes(based: tuple[Repo, str]) -> None:
    repo, base = based
    stricter = (
        'exclude = ["vendor/**", "!vendor/ours/**"]\nprotect = ["*.secret", "*.vault"]\nnotices = "block"\n'
    )
    repo.stage(".credgate.toml", stricter + 'max-file-size = "50MiB"\n')
    repo.commit("stricter")
    rc, out, err = run_ci(repo, base)
    assert rc == 0, out
    assert "weakens" not in out and "scanned 1 commit" in err


def test_the_base_config_decides_and_the_change_config_does_not(based: tuple[Repo, str]) -> None:
    repo, base = based
    # The base excludes vendor/**: a token there passes, even if the change drops that exclude.
    repo.stage("vendor/lib.py", token_py())
    repo.stage(".credgate.toml", 'protect = ["*.secret"]\n')
    repo.commit("vendored code, and a stricter config")
    rc, out, err = run_ci(repo, base)
    assert rc == 0, out
    assert "1 excluded by config" in err


def test_a_baseline_entry_for_the_change_own_token_blocks(based: tuple[Repo, str]) -> None:
    repo, base = based
    repo.stage("app.py", token_py())
    out = io.StringIO()
    assert baseline.run(opts=Options(out=out)) == 0  # accepts the new token
    repo.git("add", ".credgate-baseline.jsonl", ".gitattributes")
    repo.commit("leak, and accept it")
    rc, text, _ = run_ci(repo, base)
    assert rc == 1
    assert "app.py:1" in text  # the base has no baseline: nothing is accepted
    assert 'the baseline accepts 1 more finding(s): "github-pat in app.py"' in text
    assert ".credgate-baseline.json" in text


def test_removing_baseline_entries_passes(based: tuple[Repo, str]) -> None:
    repo, base = based
    repo.git("checkout", "-q", "-b", "accepted", base)
    repo.stage("legacy.py", token_py())
    assert baseline.run(opts=Options(out=io.StringIO())) == 0
    repo.git("add", ".credgate-baseline.jsonl", ".gitattributes")
    repo.commit("legacy token, accepted by the owners")
    accepted = head(repo)
    repo.git("rm", "-q", "legacy.py", ".credgate-baseline.jsonl")
    repo.commit("rotated and removed")
    rc, out, _ = run_ci(repo, accepted)
    assert rc == 0, out


def test_custom_rules_come_from_the_base(based: tuple[Repo, str]) -> None:
    repo, base = based
    rule = (
        "[[rule]]\nid = \"acme-key\"\nname = \"ACME key\"\nregex = '''(?P<secret>acme_[a-z0-9]{24})'''\n"
        'keywords = ["acme_"]\nhint = "rotate it in the ACME console"\n'
    )
    repo.git("checkout", "-q", "-b", "with-rules", base)
    repo.stage("ci/rules.toml", rule)
    repo.stage(
        ".credgate.toml", 'exclude = ["vendor/**"]\nprotect = ["*.secret"]\nrules = ["ci/rules.toml"]\n'
    )
    repo.commit("custom rule")
    ruled = head(repo)
    repo.stage("ci/rules.toml", rule.replace("acme_[a-z0-9]{24}", "acme_NEVER_MATCHES"))
    repo.stage("deploy.py", f"KEY = '{secret('acme_%%rand:alnumlower:24%%')}'\n")
    repo.commit("defang the rule and leak")
    rc, out, _ = run_ci(repo, ruled)
    assert rc == 1
    assert "deploy.py:1" in out and "acme-key" in out  # the base's rule, not the change's
    assert "custom rule acme-key changed" in out


def test_an_in_repository_config_file_is_read_from_the_base(based: tuple[Repo, str]) -> None:
    repo, base = based
    repo.git("checkout", "-q", "-b", "ci-config", base)
    repo.stage("ci/credgate.toml", "exclude = []\n")
    repo.commit("CI config")
    cfg_base = head(repo)
    repo.stage("ci/credgate.toml", 'exclude = ["app.py"]\n')
    repo.stage("app.py", token_py())
    repo.commit("exclude everything")
    rc, out, _ = run_ci(repo, cfg_base, config_path=str(repo.path / "ci" / "credgate.toml"))
    assert rc == 1
    assert "app.py:1" in out and "ci/credgate.toml" in out and 'exclude adds "app.py"' in out


def test_allow_config_changes_is_validated() -> None:
    assert parse(b"allow-config-changes = true\n", "x.toml").allow_config_changes
    with pytest.raises(UsageError, match="allow-config-changes must be true or false"):
        parse(b'allow-config-changes = "yes"\n', "x.toml")


def test_a_broken_base_config_is_a_usage_error(repo: Repo) -> None:
    repo.stage(".credgate.toml", "exclude = 3\n")
    repo.commit("broken")
    base = head(repo)
    repo.stage("a.txt", "a\n")
    repo.commit()
    with pytest.raises(UsageError, match=r"\.credgate\.toml: exclude must be a list of strings"):
        run_ci(repo, base)


# ------------------------------------------------------------------------ pre-receive, through a real push


def push(repo: Repo, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


@pytest.fixture
def server(tmp_path: Path, based: tuple[Repo, str]) -> Path:
    repo, _ = based
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_bytes((PROJECT / "hooks" / "pre-receive").read_bytes())
    hook.chmod(0o755)
    repo.git("remote", "add", "origin", str(bare))
    first = push(repo, tmp_path, "origin", "HEAD:refs/heads/main")  # the first branch: built-in defaults
    assert first.returncode == 0, first.stderr
    return bare


def test_pre_receive_judges_a_push_by_the_base_config(
    based: tuple[Repo, str], server: Path, tmp_path: Path
) -> None:
    repo, _ = based
    # The base's exclude applies on the server (the vendored token passes)...
    repo.stage("vendor/lib.py", token_py())
    repo.commit("vendored")
    ok = push(repo, tmp_path, "origin", "HEAD:refs/heads/main")
    assert ok.returncode == 0, ok.stderr
    assert "credgate: scanned 1 commit" in ok.stderr
    # ...but a push cannot widen it for itself, on an existing branch or a new one.
    repo.stage(".credgate.toml", 'exclude = ["vendor/**", "*.py"]\nprotect = ["*.secret"]\n')
    repo.stage("app.py", token_py())
    repo.commit("widen and leak")
    for ref in ("refs/heads/main", "refs/heads/new-branch"):
        rejected = push(repo, tmp_path, "--no-verify", "origin", f"HEAD:{ref}")
        assert rejected.returncode != 0
        assert "app.py:1" in rejected.stderr and "this change weakens the secret gate" in rejected.stderr


def test_a_config_outside_the_repository_ignores_the_checkout_baseline(
    based: tuple[Repo, str], tmp_path: Path
) -> None:
    repo, base = based
    outside = tmp_path / "ci-credgate.toml"
    outside.write_text("exclude = []\n")
    repo.stage("app.py", token_py())
    assert baseline.run(opts=Options(out=io.StringIO())) == 0
    repo.git("add", ".credgate-baseline.jsonl", ".gitattributes")
    repo.commit("leak, and accept it")
    rc, out, _ = run_ci(repo, base, config_path=str(outside))
    assert rc == 1 and "app.py:1" in out


def test_pre_receive_judges_each_ref_of_one_push_by_its_own_base(
    based: tuple[Repo, str], server: Path, tmp_path: Path
) -> None:
    repo, _ = based
    # A branch whose base excludes docs/**, and main, whose base does not.
    repo.git("checkout", "-q", "-b", "docs-site")
    repo.stage(".credgate.toml", 'exclude = ["vendor/**", "docs/**"]\nprotect = ["*.secret"]\n')
    repo.commit("docs are generated")
    assert push(repo, tmp_path, "--no-verify", "origin", "docs-site").returncode != 0  # weakens main's config
    # The owners put it there anyway (the hook bypassed on purpose: CREDGATE=true runs `true`).
    admin = subprocess.run(
        ["git", "push", "-q", "origin", "docs-site"], cwd=repo.path, env={**os.environ, "CREDGATE": "true"}
    )
    assert admin.returncode == 0
    repo.stage("docs/example.py", token_py())
    repo.commit("docs")
    repo.git("checkout", "-q", "change")
    repo.stage("app.py", token_py())
    repo.commit("leak on main")
    both = push(repo, tmp_path, "--no-verify", "origin", "docs-site", "change:main")
    assert both.returncode != 0
    assert "app.py:1" in both.stderr and "docs/example.py" not in both.stderr  # each by its own base
    assert both.stderr.count("credgate: scanned 2 commits") == 1


def test_a_branch_that_leaves_the_config_alone_passes_after_the_base_fixed_it(repo: Repo) -> None:
    repo.stage(".credgate.toml", "exclude = 3\n")  # broken where the branch starts
    repo.commit("broken config")
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("a.py", "a = 1\n")
    repo.commit("feature work")
    repo.git("checkout", "-q", "main")
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\n')
    repo.commit("fix the config")
    fixed = head(repo)
    repo.git("checkout", "-q", "feature")
    rc, out, err = run_ci(repo, fixed)
    assert rc == 0, out + err
    assert "weakens" not in out and "scanned 1 commit" in err
