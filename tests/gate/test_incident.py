"""gate.incident: the facts a postmortem draft is written from."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from credgate import gitio, ignore
from credgate.engine.finding import Finding
from credgate.errors import UsageError
from credgate.gate import history, incident
from credgate.gate.audit import Check
from tests.conftest import Repo, aws_pair

NOW = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)


def not_ignored(*probes: tuple[str, str]) -> Check:
    """A failed gitignore check: (pattern, probe) pairs nothing ignores."""
    uncovered = [ignore.ProbeResult(pattern, probe, False, None) for pattern, probe in probes]
    facts = {"probes": 40, "uncovered": uncovered, "personal": [], "advice": [], "disk_covers": False,
             "reincluding": []}  # fmt: skip
    return Check("gitignore", False, facts)


def no_hooks(hooks_dir: str = "/r/.git/hooks") -> Check:
    """A failed hooks check: neither hook exists."""

    def missing(name: str) -> dict[str, object]:
        return {"path": f"{hooks_dir}/{name}", "kind": "missing", "executable": True, "enforced": False,
                "config": None, "hooks": []}  # fmt: skip

    facts = {"hooks_dir": hooks_dir, "core_hooks_path": None, "pre_commit": missing("pre-commit"),
             "pre_push": missing("pre-push"), "framework": False}  # fmt: skip
    return Check("hooks", False, facts)


def ci_runs(count: int) -> Check:
    runs = [{"path": ".github/workflows/ci.yml", "how": "credgate", "job": f"job{i}"} for i in range(count)]
    return Check("ci", True, {"runs": runs, "ci_files": [".github/workflows/ci.yml"], "not_counted": [],
                              "unknown": []})  # fmt: skip


def found(
    rule: str, path: str, when: str, paths: list[str], head: list[str], severity: str = "high"
) -> Finding:
    extra = (
        ("introduced_date", when),
        ("paths", paths),
        ("present_at_head", bool(head)),
        ("head_paths", head),
    )
    return Finding(
        rule_id=rule, rule_name=rule, severity=severity, confidence="high", path=path, line=2, col=1,
        end_line=2, hint="rotate it", url="", secret=b"value", commit="c" * 40, extra=extra,
    )  # fmt: skip


def test_facts_are_oldest_first_with_every_file_and_what_is_still_at_head() -> None:
    late = found("generic-api-key", "b.py", "2029-06-01T00:00:00+00:00", ["b.py"], ["b.py"])
    early = found(
        "generic-api-key", ".env.master", "2029-01-01T00:00:00+00:00", [".env.master", "GUIDE.md"], []
    )
    pm = incident.judge([late, early], [], "app", NOW)
    assert pm.findings == [early, late]
    assert (pm.first.month, pm.last.month, pm.days) == (1, 6, (NOW - pm.first).days)
    assert pm.files == [".env.master", "GUIDE.md", "b.py"]
    assert pm.at_head == [late]
    assert not pm.severe  # a generic key of lower blast radius: P1
    assert incident.judge([found("aws-access-key-id", "a", "2029-01-01", ["a"], [])], [], "app", NOW).severe


def test_why_it_broke_is_the_failed_checks_that_explain_a_commit() -> None:
    leak = found("aws-access-key-id", ".env.master", "2029-01-01", [".env.master"], [])
    gitignore = not_ignored(("*.pem", "key.pem"), (".env.*", ".env.local"))
    tracked = Check("tracked", True, {"blocked": [], "checked": 3})
    pm = incident.judge([leak], [tracked, no_hooks(), gitignore], "app", NOW)
    assert pm.why_broke == [gitignore]  # the hooks are why it was not caught, not why it broke
    assert incident.judge([leak], [Check("gitignore", True)], "app", NOW).why_broke is None  # unknown: a TODO


def test_gates_say_whether_a_hook_or_ci_was_enforcing_anything() -> None:
    leak = found("aws-access-key-id", ".env.master", "2029-01-01", [".env.master"], [])
    checks = [no_hooks(), Check("ci", None, {}, unknown=True)]
    pm = incident.judge([leak], checks, "app", NOW)
    assert [(g.name, g.state) for g in pm.gates] == [("hooks", "NOT in place"), ("ci", "unknown")]
    assert [g.check for g in pm.gates] == checks
    assert [(g.name, g.state) for g in incident.judge([leak], [ci_runs(5)], "app", NOW).gates] == [
        ("ci", "in place")
    ]
    skipped = incident.judge([leak], [Check("hooks", None)], "app", NOW)
    assert [(g.name, g.state) for g in skipped.gates] == [("hooks", "unchecked")]


def test_clean_history_has_no_postmortem(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    assert incident.postmortem(history.load_config(None), True, None, NOW) is None


def test_postmortem_is_named_after_the_work_tree_or_the_mirror(repo: Repo, tmp_path: Path) -> None:
    key_id, key = aws_pair()
    repo.stage(".env.master", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n")
    repo.commit()
    pm = incident.postmortem(history.load_config(None), True, None, NOW)
    assert pm is not None and pm.repo == repo.path.name and pm.now == NOW
    assert {c.name for c in pm.gates} == {"hooks", "ci"}
    assert incident.repo_name(gitio.Layout(str(tmp_path / "svc.git"), None, True)) == "svc"
    assert (
        incident.repo_name(gitio.Layout(str(tmp_path / "w" / ".git"), str(tmp_path / "w.git"), False))
        == "w.git"
    )


def test_write_new_file_never_overwrites_nor_writes_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "pm.md"
    incident.write_new_file(str(target), b"draft")
    with pytest.raises(UsageError, match="exists; credgate never overwrites"):
        incident.write_new_file(str(target), b"other")
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "nowhere.md")
    with pytest.raises(UsageError, match="is a symbolic link"):
        incident.write_new_file(str(link), b"other")
    assert target.read_bytes() == b"draft" and not (tmp_path / "nowhere.md").exists()
