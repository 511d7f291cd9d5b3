"""gate/range_judge.py: ranges judged into one report (real git, no CLI, nothing printed)."""

from __future__ import annotations

import pytest

from credgate.gate import range_judge, range_refs
from credgate.gate.report import Stats
from tests.conftest import Repo, env_file_with_aws, secret

ZERO = "0" * 40


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_a_disk_job_reports_secrets_credential_files_and_exclusions(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\n')
    repo.commit("config")
    base = head(repo)
    repo.stage("app.py", f'TOKEN = "{secret("%%github:ghp_%%")}"\n')
    repo.stage("vendor/lib.py", f'TOKEN = "{secret("%%github:ghp_%%")}"\n')
    repo.stage(".env.production", "DB_PASSWORD=correct-horse-battery\n")
    repo.commit("leaks")
    rng = range_refs.from_refs(base, "HEAD")
    stats = Stats()
    job = range_judge.disk_job(range_judge.disk_config(None), [rng])
    report = range_judge.judge([job], stats, "commits in x", pre_receive=False, warn=print)
    assert sorted((f.rule_id, f.path) for f in report.findings) == [
        ("credential-file", ".env.production"),
        ("github-pat", "app.py"),
    ]
    assert report.kind == "range" and report.base == base and report.scope == "commits in x"
    assert stats.commits == 1 and stats.excluded == 1
    assert capsys.readouterr() == ("", "")  # the gate prints nothing


def test_pre_receive_groups_refs_by_the_base_that_judges_them(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit("base")
    first = head(repo)
    repo.stage("leak.env", env_file_with_aws())
    repo.commit("leak")
    second = head(repo)
    lines = [f"{first} {second} refs/heads/main", f"{ZERO} {second} refs/heads/copy"]
    ranges = range_refs.from_pre_receive(lines)
    jobs = range_judge.receive_jobs(lines, ranges, None, warn=print)
    # Both tips are the same commit, so the update's base judges both.
    assert len(jobs) == 1 and jobs[0].state.rev == first and jobs[0].compares == [first, first]
    report = range_judge.judge(jobs, Stats(), "commits being pushed", pre_receive=True, warn=print)
    assert {f.path for f in report.findings} == {"leak.env"}
