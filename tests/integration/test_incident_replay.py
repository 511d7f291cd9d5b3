"""The incident behind credgate, replayed end to end with real git, real hooks and a real rewrite.

The same AWS key pair and OpenAI key sit in `.env.master` and in `AUTOMATION-GUIDE.md`, in a
repository of about 200 commits (built with `git fast-import`, so it takes a fraction of a second)
that was pushed to a bare remote. Then, as a new user would: a `--no-verify` commit, a push that
the pre-push hook blocks, the CI gate, `history`, `incident` and `remediate --apply` in a mirror
clone, `git push --force --mirror`, and an `audit` that is SAFE once the fix is in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import aws_pair, secret

pytestmark = pytest.mark.skipif(
    not os.access(os.path.join(os.path.dirname(sys.executable), "git-filter-repo"), os.X_OK),
    reason="git-filter-repo is installed with the test extras",
)

BIN = os.path.dirname(sys.executable)
COMMITS = 200
ENV_AT = 40  # the commit that adds .env.master
GUIDE_AT = 120  # the commit that adds AUTOMATION-GUIDE.md with the same keys
WORKFLOW = """\
on: [push, pull_request]
jobs:
  credgate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: your-org/credgate@v0.1.0
        with:
          format: github
"""


def openai_key() -> str:
    # The shape of the OpenAI rule's own example (rules/openai.toml): sk-...T3BlbkFJ...
    return secret("sk-%%rand:alnum:20%%T3BlbkFJ%%rand:alnum:20%%")


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} in {cwd} failed: {proc.stderr}")
    return proc.stdout


def credgate(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [os.path.join(BIN, "credgate"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def fast_import_history(path: Path, env_master: str, guide: str) -> None:
    """About 200 commits on main, a release tag and a feature branch, in one `git fast-import`."""
    out: list[bytes] = []

    def data(text: str) -> None:
        raw = text.encode()
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    when = 1_700_000_000
    for n in range(1, COMMITS + 1):
        out.append(b"commit refs/heads/main\n")
        out.append(b"mark :%d\n" % n)
        out.append(b"committer Dev <dev@example.invalid> %d +0000\n" % (when + n * 3600))
        data(f"change {n}\n")
        if n > 1:
            out.append(b"from :%d\n" % (n - 1))
        if n == 1:
            out.append(b"M 100644 inline .gitignore\n")
            data(".env\n.env.local\n")  # the incident's .gitignore: not .env.*
        out.append(b"M 100644 inline src/app.py\n")
        data(f"import os\n\nVERSION = {n}\nKEY = os.environ.get('OPENAI_API_KEY')\n")
        if n % 7 == 0:
            out.append(b"M 100644 inline README.md\n")
            data(f"# app\n\nRelease notes for build {n}.\n")
        if n == ENV_AT:
            out.append(b"M 100644 inline .env.master\n")
            data(env_master)
        if n == GUIDE_AT:
            out.append(b"M 100644 inline AUTOMATION-GUIDE.md\n")
            data(guide)
    out.append(b"reset refs/tags/v1.0\nfrom :%d\n\n" % (GUIDE_AT + 10))
    out.append(b"commit refs/heads/feature\nmark :%d\n" % (COMMITS + 1))
    out.append(b"committer Dev <dev@example.invalid> %d +0000\n" % (when + (COMMITS + 1) * 3600))
    data("feature work\n")
    out.append(b"from :%d\n" % (GUIDE_AT + 5))
    out.append(b"M 100644 inline src/feature.py\n")
    data("def feature():\n    return 1\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(out), check=True)
    git(path, "reset", "-q", "--hard", "main")


def test_the_incident_replayed_end_to_end(tmp_path: Path) -> None:
    started = time.monotonic()
    key_id, key = aws_pair()
    openai = openai_key()
    values = [key_id, key, openai]
    env_master = (
        "APP_ENV=production\nDATABASE_HOST=db.internal\n"
        f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\nOPENAI_API_KEY={openai}\n"
    )
    guide = (
        "# Automation guide\n\nSet these before running the deploy scripts:\n\n```sh\n"
        f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={key}\n"
        f"export OPENAI_API_KEY={openai}\n```\n\nThen run `make deploy`.\n"
    )
    hook_env = {"PATH": BIN + os.pathsep + os.environ.get("PATH", "")}

    # A repository of ~200 commits holding the keys in both files, pushed to a bare remote.
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    fast_import_history(work, env_master, guide)
    assert int(git(work, "rev-list", "--count", "main").strip()) == COMMITS
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "origin", "main", "feature", "v1.0")
    git(work, "fetch", "-q", "origin")
    intro = git(work, "rev-list", "--reverse", "main", "--", ".env.master").split()[0]

    # The hooks go in; a --no-verify commit skips the commit gate, and the push gate blocks it.
    assert credgate(work, "install-hooks").returncode == 0
    token = secret("%%github:ghp_%%")
    (work / "deploy.py").write_text(f"GITHUB_TOKEN = '{token}'\n")
    git(work, "add", "deploy.py")
    blocked_commit = subprocess.run(
        ["git", "commit", "-q", "-m", "deploy"], cwd=work, capture_output=True, text=True,
        env={**os.environ, **hook_env},
    )  # fmt: skip
    assert blocked_commit.returncode != 0 and "github" in blocked_commit.stdout + blocked_commit.stderr
    git(work, "commit", "-q", "--no-verify", "-m", "deploy")
    push = subprocess.run(
        ["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True,
        env={**os.environ, **hook_env},
    )  # fmt: skip
    assert push.returncode != 0, push.stderr
    assert "deploy.py" in push.stdout + push.stderr and token not in push.stdout + push.stderr
    assert git(remote, "rev-parse", "main").strip() == git(work, "rev-parse", "origin/main").strip()

    # The CI gate, which --no-verify cannot skip, blocks the same commit.
    ci = credgate(work, "ci", "--base", "origin/main", "--head", "HEAD", env={"CI": "true"})
    assert ci.returncode == 1 and "deploy.py" in ci.stdout
    git(work, "reset", "-q", "--hard", "origin/main")  # the user drops the commit

    # history: each secret once, at the commit that introduced it, with both paths.
    hist = credgate(work, "history", "--format", "json")
    assert hist.returncode == 1, hist.stderr
    findings = json.loads(hist.stdout)["findings"]
    reported = {f["rule"]: f for f in findings}
    assert len(findings) == len(reported) == 3, [f["rule"] for f in findings]
    for f in findings:
        assert f["commit"] == intro and f["path"] == ".env.master"
        assert sorted(f["paths"]) == [".env.master", "AUTOMATION-GUIDE.md"]
    text = credgate(work, "history").stdout
    assert text.count("in .env.master, AUTOMATION-GUIDE.md") == 3
    assert "--invert-paths --path .env.master" in text
    assert "--path AUTOMATION-GUIDE.md" not in text
    assert "in AUTOMATION-GUIDE.md only the value is replaced" in text
    for value in values:
        assert value not in hist.stdout + text

    # The standard rewrite: a mirror clone; the postmortem draft and the rewrite both work there.
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--mirror", str(remote), str(mirror))
    draft = credgate(mirror, "incident", "-o", str(tmp_path / "postmortem.md"))
    assert draft.returncode == 0, draft.stderr
    postmortem = (tmp_path / "postmortem.md").read_text()
    root_cause = postmortem[postmortem.index("### Root Cause") : postmortem.index("### What Was Skipped")]
    for name in (".env.master", "AUTOMATION-GUIDE.md"):
        assert f"`{name}" in root_cause
    assert "Memory updates" not in postmortem and "Regressions.md" not in postmortem
    applied = credgate(mirror, "remediate", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "verified: no secret remains on any ref" in applied.stdout
    assert "git push --force --mirror" in applied.stdout
    assert not git(mirror, "for-each-ref", "refs/credgate-backup").strip()  # push --mirror would publish them
    git(mirror, "push", "-q", "--force", "--mirror")

    # No key on any branch or tag of the remote; the guide keeps its history, the env file is gone.
    everything = git(remote, "log", "-p", "--all")
    for value in values:
        assert value not in everything
    assert "***REMOVED-by-credgate***" in git(remote, "show", "v1.0:AUTOMATION-GUIDE.md")
    assert "Then run `make deploy`." in git(remote, "show", "main:AUTOMATION-GUIDE.md")
    assert ".env.master" not in git(remote, "log", "--all", "--name-only", "--format=")
    assert git(remote, "for-each-ref", "--format=%(refname)").split() == [
        "refs/heads/feature", "refs/heads/main", "refs/tags/v1.0"
    ]  # fmt: skip

    # Everyone re-clones; the fix goes in: .gitignore committed, hooks installed, CI recipe present.
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(remote), str(fresh))
    before = credgate(fresh, "audit")
    assert before.returncode == 1 and "[UNSAFE] 3." in before.stdout
    assert credgate(fresh, "check-gitignore", "--fix").returncode == 1  # it wrote the missing lines
    (fresh / ".github" / "workflows").mkdir(parents=True)
    (fresh / ".github" / "workflows" / "secrets.yml").write_text(WORKFLOW)
    git(fresh, "add", ".gitignore", ".github")
    git(fresh, "commit", "-q", "-m", "ignore credential files; gate CI")
    assert credgate(fresh, "install-hooks").returncode == 0
    audit = credgate(fresh, "audit")
    assert audit.returncode == 0, audit.stdout
    assert "credgate audit: SAFE (0 of 5 checks unsafe)" in audit.stdout
    push = subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=fresh, capture_output=True, text=True,
        env={**os.environ, **hook_env},
    )  # fmt: skip
    assert push.returncode == 0, push.stderr  # the pre-push gate passes a clean push
    # About 10 s alone; the bound is loose because the suite shares the machine.
    assert time.monotonic() - started < 120


def test_remediate_in_a_working_clone_keeps_the_local_env_file_and_audit_stays_safe(tmp_path: Path) -> None:
    """The non-mirror path: backups as refs and an owner-only bundle, the developer's .env.master kept
    on disk (untracked), and credgate's own backup refs do not make the audit's history check UNSAFE."""
    key_id, key = aws_pair()
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    env_master = f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n"
    guide = f"# Guide\n\nexport AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={key}\n"
    fast_import_history(work, env_master, guide)
    applied = credgate(work, "remediate", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (work / ".env.master").read_text() == env_master  # kept, now untracked
    assert ".env.master" not in git(work, "ls-files")
    backups = git(work, "for-each-ref", "--format=%(refname)", "refs/credgate-backup").split()
    assert len(backups) == 3  # main, feature, v1.0
    bundle_dir = next((work / ".git" / "credgate-backup").iterdir())
    assert oct(bundle_dir.stat().st_mode & 0o777) == "0o700"
    assert oct((bundle_dir / "all.bundle").stat().st_mode & 0o777) == "0o600"
    assert oct((work / ".git" / "credgate-backup").stat().st_mode & 0o777) == "0o700"
    for value in (key_id, key):
        assert value not in git(work, "log", "-p", "--exclude=refs/credgate-backup/*", "--all")
        assert value not in (work / "AUTOMATION-GUIDE.md").read_text()
    audit = json.loads(credgate(work, "audit", "--format", "json", "--skip", "hooks", "--skip", "ci").stdout)
    history = audit["checks"]["history"]
    assert history["verdict"] == "SAFE", history
    assert len(history["backup_refs"]) == 3
    assert any("update-ref --stdin" in step for step in history["fix"])
    # Deleting them the way the audit says leaves nothing behind.
    shutil.rmtree(bundle_dir)
    git(work, "for-each-ref", "--format=delete %(refname)", "refs/credgate-backup/")
    deletes = git(work, "for-each-ref", "--format=delete %(refname)", "refs/credgate-backup/")
    subprocess.run(["git", "update-ref", "--stdin"], cwd=work, input=deletes, text=True, check=True)
    assert not git(work, "for-each-ref", "refs/credgate-backup").strip()
