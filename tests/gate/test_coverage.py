"""gate/coverage.py: ONE probe definition, so `check-gitignore` and `audit` agree on what a .gitignore covers.

Every case runs both commands on a real repository (committed .gitignore files, so both judge the same
rules), and asks git itself (`git check-ignore`, `git status`) whether the file the verdict is about
would really be let in.
"""

from __future__ import annotations

import io
import json
import subprocess
from typing import Any

import pytest

from credgate import gitio
from credgate.commands import audit, check_gitignore
from credgate.commands._options import Options
from credgate.gate import coverage
from credgate.gitio import IgnoreSource
from credgate.policy import DEFAULT_PROTECTED, ENV_TEMPLATES, protected_list
from tests.conftest import Repo

FULL = "".join(f"{p.pattern}\n" for p in DEFAULT_PROTECTED)
FULL += "".join(f"!{t}\n" for t in sorted(ENV_TEMPLATES))


def check_gitignore_json() -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    rc = check_gitignore.run(opts=Options(fmt="json", out=out, err=io.StringIO()))
    return rc, json.loads(out.getvalue())


def audit_json() -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    rc = audit.run(("tracked", "history", "hooks", "ci"), opts=Options(fmt="json", out=out))
    return rc, json.loads(out.getvalue())["checks"]["gitignore"]


def git_ignores(repo: Repo, path: str) -> bool:
    """git's own verdict (no index involved: --no-index), for a path that need not exist."""
    done = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", path], cwd=repo.path, capture_output=True, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


def git_would_add(repo: Repo, path: str) -> bool:
    """Write the file and ask `git status` whether `git add .` would take it."""
    repo.write(path, "X=1\n")
    listed = repo.git("status", "--porcelain", "-z", "--untracked-files=all").split("\0")
    (repo.path / path).unlink()
    return any(entry[3:] == path for entry in listed)


def committed(repo: Repo, files: dict[str, str]) -> None:
    for name, text in files.items():
        repo.write(name, text)
    repo.git("add", "--all")
    repo.commit("ignore files")


def both(repo: Repo) -> tuple[int, int, dict[str, Any], dict[str, Any]]:
    rc_cg, doc_cg = check_gitignore_json()
    rc_audit, doc_audit = audit_json()
    return rc_cg, rc_audit, doc_cg, doc_audit


def failing_probes(doc: dict[str, Any], pattern: str) -> list[str]:
    (entry,) = [p for p in doc["patterns"] if p["pattern"] == pattern]
    return [f["probe"] for f in entry["failing"]]


# ---------------------------------------------------------------- the case, both ways


def test_anchored_negation_in_a_nested_gitignore_fails_both_commands(repo: Repo) -> None:
    committed(repo, {".gitignore": FULL, "svc/.gitignore": "!/.env.local\n", "svc/app.py": "x = 1\n"})
    assert not git_ignores(repo, "svc/.env.local")  # git lets it in: the negation wins
    assert git_would_add(repo, "svc/.env.local")
    rc_cg, rc_audit, doc_cg, doc_audit = both(repo)
    assert rc_cg == 1 and rc_audit == 1
    assert "svc/.env.local" in failing_probes(doc_cg, ".env.*")
    assert doc_audit["verdict"] == "UNSAFE"
    assert {
        "pattern": ".env.*",
        "probe": "svc/.env.local",
        "decided_by": "svc/.gitignore:1: !/.env.local",
    } in (doc_audit["uncovered"])
    # The fix names the line to remove: no root line can override a nested negation.
    assert (
        doc_cg["remove"][0]["source"] == "svc/.gitignore" and doc_cg["remove"][0]["pattern"] == "!/.env.local"
    )
    assert (
        "Remove these lines" in doc_audit["fix"][0]
        and "svc/.gitignore:1: !/.env.local" in doc_audit["fix"][0]
    )


def test_the_same_nested_gitignore_without_the_negation_passes_both(repo: Repo) -> None:
    committed(repo, {".gitignore": FULL, "svc/.gitignore": "/.env.local\n", "svc/app.py": "x = 1\n"})
    assert git_ignores(repo, "svc/.env.local") and not git_would_add(repo, "svc/.env.local")
    rc_cg, rc_audit, doc_cg, doc_audit = both(repo)
    assert (rc_cg, rc_audit) == (0, 0)
    assert doc_audit["verdict"] == "SAFE" and doc_audit["uncovered"] == []
    assert all(p["status"] == "covered" for p in doc_cg["patterns"])


# ---------------------------------------------------------------- the class: wherever a `!` line points


@pytest.mark.parametrize(
    ("files", "let_in"),
    [
        # A negation one level down from the root: `*` does not cross `/`, so only depth 1 matches.
        ({"*/.env.local": "!*/.env.local"}, "svc/.env.local"),
        # A named directory: the synthetic probe directories are never called `config`.
        ({"config": "!config/.env.production"}, "config/.env.production"),
        ({"glob dir": "!deploy-*/.env.production"}, "deploy-eu/.env.production"),
        ({"deep": "!a/b/c/.env.staging"}, "a/b/c/.env.staging"),
        # A literal name that is no fixed probe of `.env.*`.
        ({"literal": "!.env.special"}, "web/.env.special"),
        ({"key": "!deploy/prod-signing.pem"}, "deploy/prod-signing.pem"),
        # A glob name no fixed probe matches.
        ({"glob name": "!release-*.pem"}, "keys/release-2.pem"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else v,
)
def test_a_root_negation_anywhere_fails_both_commands(repo: Repo, files: dict[str, str], let_in: str) -> None:
    (negation,) = files.values()
    # The negation after the protected patterns: the last matching line wins, so it lets the file in.
    committed(repo, {".gitignore": FULL + negation + "\n"})
    assert git_would_add(repo, let_in)
    rc_cg, rc_audit, doc_cg, doc_audit = both(repo)
    assert (rc_cg, rc_audit) == (1, 1), (doc_cg, doc_audit)
    assert doc_audit["verdict"] == "UNSAFE"
    # The verdict names the line that lets the file in, in both commands.
    deciders = [f["rule"] for p in doc_cg["patterns"] for f in p["failing"] if f["rule"]]
    assert any(r["pattern"] == negation and r["negated"] for r in deciders)
    assert any(
        r["decided_by"] == f".gitignore:{FULL.count(chr(10)) + 1}: {negation}" for r in doc_audit["uncovered"]
    )
    # A root negation is overridden by the block --fix appends: no line to remove.
    assert doc_cg["remove"] == [] and doc_cg["add"]
    assert not any("Remove these lines" in step for step in doc_audit["fix"])


def test_a_negation_before_the_pattern_it_negates_is_harmless_in_both(repo: Repo) -> None:
    committed(repo, {".gitignore": "!config/.env.production\n" + FULL})
    assert not git_would_add(repo, "config/.env.production")
    rc_cg, rc_audit, _, doc_audit = both(repo)
    assert (rc_cg, rc_audit) == (0, 0) and doc_audit["verdict"] == "SAFE"


def test_a_nested_negation_two_levels_below_its_gitignore(repo: Repo) -> None:
    committed(repo, {".gitignore": FULL, "svc/.gitignore": "!*/*/.env.local\n", "svc/app.py": "x = 1\n"})
    assert git_would_add(repo, "svc/a/b/.env.local")
    rc_cg, rc_audit, doc_cg, _ = both(repo)
    assert (rc_cg, rc_audit) == (1, 1)
    assert "svc/credgate-probe/credgate-probe/.env.local" in failing_probes(doc_cg, ".env.*")


def test_template_negations_stay_allowed(repo: Repo) -> None:
    # `!.env.example` is how a repository keeps its template: never a failure.
    committed(
        repo, {".gitignore": FULL, "svc/.gitignore": "!.env.example\n!/.env.sample\n", "svc/a.py": "\n"}
    )
    assert both(repo)[:2] == (0, 0)


def test_fix_then_both_pass_for_a_root_negation(repo: Repo) -> None:
    committed(repo, {".gitignore": ".env\n!config/.env.production\n"})
    out = io.StringIO()
    assert check_gitignore.run(fix=True, opts=Options(out=out, err=io.StringIO())) == 1
    repo.git("add", ".gitignore")
    repo.commit("fix")
    assert not git_would_add(repo, "config/.env.production")
    assert both(repo)[:2] == (0, 0)


# ---------------------------------------------------------------- the definition itself


def src(base: str, *lines: str, kind: str = "gitignore") -> IgnoreSource:
    path = f"{base}/.gitignore" if base else ".gitignore"
    return IgnoreSource(kind, path, base, lines)


def test_probe_dirs_cover_root_depths_each_gitignore_and_negations() -> None:
    dirs = coverage.probe_dirs(
        [src("", ".env", "!config/*/.env.local", "!**/x/.env.prod"), src("svc", "!/.env.local", "!lib/")]
    )
    assert dirs[:3] == ["", coverage.DEEP_DIR, coverage.PROBE_DIR]
    for d in ("svc", "svc/credgate-probe", "config/credgate-probe", "credgate-probe/x"):
        assert d in dirs
    assert "svc/lib" not in dirs  # `!lib/` re-includes a directory, judged through its files' probes
    assert len(dirs) == len(set(dirs))


def test_negations_skip_what_cannot_be_made_concrete() -> None:
    found = coverage.negations(
        [src("", "![abc]/.env.local", "!\\!odd/.env", "# !comment", "!ok/.env.x", "!a/.env.[ab]", "!b/*.pem")]
    )
    assert found == [
        coverage.Negation("ok", ".env.x"),
        coverage.Negation("a", ""),
        coverage.Negation("b", "credgate-probe.pem"),
    ]


def test_negated_literal_names_join_the_probes_of_the_patterns_naming_them() -> None:
    protected = protected_list()
    extra = coverage.with_negated_names(protected, [src("", "!.env.special", "!notes.txt", "!.env.example")])
    by_pattern = {p.pattern: p for p in extra}
    assert ".env.special" in by_pattern[".env.*"].probes
    assert all("notes.txt" not in p.probes for p in extra)
    assert all(".env.example" not in p.probes for p in extra)  # templates belong in git
    assert by_pattern["*.pem"].probes == next(p for p in protected if p.pattern == "*.pem").probes


def test_init_and_check_gitignore_and_audit_share_the_definition() -> None:
    from credgate.gate import audit as audit_gate
    from credgate.gate import setup

    # The audit's gate and init's set-up have no probe logic of their own (tests/test_architecture.py
    # also checks that exactly one probe_dirs is defined).
    assert not hasattr(setup, "probe_dirs")
    assert not hasattr(audit_gate, "probe_dirs")


def test_probe_counts_agree_between_the_commands(repo: Repo) -> None:
    committed(repo, {".gitignore": FULL, "svc/.gitignore": "*.log\n", "svc/a.py": "\n"})
    _, _, doc_cg, doc_audit = both(repo)
    assert sum(p["probes"] for p in doc_cg["patterns"]) == doc_audit["probes"]
    sources = gitio.ignore_sources(str(repo.path))
    assert "svc" in coverage.probe_dirs(sources)
