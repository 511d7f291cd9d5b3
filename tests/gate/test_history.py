"""gate.history: every ref's history walked, each secret once at its introduction, HEAD presence, shares."""

from __future__ import annotations

import pickle

import pytest

from credgate import gitio
from credgate.engine.finding import Finding
from credgate.gate import credential_files as files_gate
from credgate.gate import history
from credgate.gate.range_refs import Range
from credgate.gate.report import Stats
from credgate.gate.scanning import build_scanner
from tests.conftest import Repo, secret


def collect(include_reflog: bool = False) -> dict[str, Finding]:
    found = history.collect(history.load_config(None), include_reflog, Stats())
    return {f.rule_id: f for f in found}


def facts(f: Finding) -> dict[str, object]:
    return dict(f.extra)


def test_each_secret_once_with_introduction_paths_and_head_presence(repo: Repo) -> None:
    token, gone = secret("%%github:ghp_%%"), secret("%%github:gho_%%")
    repo.stage("README.md", "hi\n")
    repo.commit("base")
    repo.stage("a.py", f"T = '{token}'\n")
    repo.stage("tmp.env", f"OAUTH={gone}\n")
    repo.commit("leak two")
    introduced = repo.git("rev-parse", "HEAD").strip()
    repo.git("mv", "a.py", "b.py")
    repo.stage("copy.py", f"# copied\nT = '{token}'\n")
    repo.git("rm", "-q", "tmp.env")
    repo.commit("move, copy and delete")
    findings = collect()
    assert set(findings) == {"github-pat", "github-oauth-token"}
    pat = findings["github-pat"]
    assert pat.commit == introduced
    assert pat.path == "a.py"
    assert sorted(facts(pat)["paths"]) == ["a.py", "copy.py"]  # type: ignore[call-overload]  # the rename adds no line; the copy does
    assert facts(pat)["present_at_head"] is True and sorted(facts(pat)["head_paths"]) == ["copy.py"]  # type: ignore[call-overload]
    assert facts(findings["github-oauth-token"])["present_at_head"] is False
    assert pat.note == ""  # the sentence about these facts is output's (output.history)


def test_secrets_on_other_branches_and_only_in_the_reflog(repo: Repo) -> None:
    repo.stage("a.txt", "a\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "topic")
    repo.stage("k.env", f"T={secret('%%github:ghp_%%')}\n")
    repo.commit("on a branch")
    repo.git("checkout", "-q", "main")
    assert "github-pat" in collect()  # other refs count, not just HEAD
    repo.git("branch", "-q", "-D", "topic")
    assert collect() == {}
    assert "github-pat" in collect(include_reflog=True)  # dropped from refs, still in this clone's reflog


def test_lines_are_those_of_the_file_not_of_the_patch(repo: Repo) -> None:
    """History scans only added lines; reported lines must still be the file's own."""
    body = "".join(f"line {i}\n" for i in range(1, 21))
    repo.stage("conf.py", body)
    repo.commit()
    pem = secret("%%pem:RSA_PRIVATE_KEY%%")
    lines = body.splitlines(keepends=True)
    lines.insert(10, f"TOKEN = '{secret('%%github:ghp_%%')}'\n")
    lines.insert(15, pem + "\n")
    repo.stage("conf.py", "".join(lines))
    repo.stage("blob.bin", b"\x00\x01" + secret("%%github:gho_%%").encode() + b"\x00")
    repo.commit()
    found = collect()
    assert found["github-pat"].line == 11
    key = found["private-key-pem"]
    assert (key.line, key.end_line) == (16, 16 + pem.count("\n"))
    assert found["github-oauth-token"].path == "blob.bin"  # binary: scanned from the blob


def _branchy_history(repo: Repo) -> str:
    token = secret("%%github:ghp_%%")
    repo.stage("README.md", "hi\n")
    repo.commit()
    for i in range(6):
        repo.stage(f"f{i}.py", f"x = {i}\n")
        repo.commit()
    repo.stage("a.py", f"T = '{token}'\n")
    repo.commit("introduce")
    introduced = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "side")
    repo.stage("b.py", f"# again\nT = '{token}'\n")
    repo.commit("copy on a branch")
    repo.git("checkout", "-q", "main")
    repo.stage("c.env", f"K={secret('%%github:gho_%%')}\n")
    repo.commit()
    repo.git("merge", "-q", "--no-edit", "side")
    return introduced


def test_parallel_workers_report_exactly_what_one_worker_does(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    introduced = _branchy_history(repo)
    cfg = history.load_config(None)
    single_stats, parallel_stats = Stats(), Stats()
    single = history.collect(cfg, False, single_stats)
    monkeypatch.setattr(history, "PARALLEL_MIN_COMMITS", 1)
    monkeypatch.setenv("CREDGATE_JOBS", "2")
    parallel = history.collect(cfg, False, parallel_stats)
    assert parallel == single and [f.secret for f in parallel] == [f.secret for f in single]
    assert {f.commit for f in parallel if f.rule_id == "github-pat"} == {introduced}
    assert parallel_stats.commits == single_stats.commits == 11


def test_a_secret_a_merge_writes_is_introduced_by_the_merge_in_every_share(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conflict resolution's own line is the merge's; a line it keeps from a side is that side's."""
    mine, theirs = secret("%%github:ghp_%%"), secret("%%github:gho_%%")
    repo.stage("conf.py", "a = 1\nb = 2\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.stage("conf.py", f"a = 1\nb = '{theirs}'\n")
    repo.commit("side adds a token")
    side = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "main")
    repo.stage("conf.py", "a = 1\nb = 'main'\n")
    repo.commit("main")
    repo.git("merge", "-q", "side", check=False)
    repo.stage("conf.py", f"a = 1\nb = '{theirs}'\nc = '{mine}'\n")
    repo.commit("merge side")
    merge = repo.git("rev-parse", "HEAD").strip()
    cfg = history.load_config(None)
    for jobs in ("1", "2"):
        monkeypatch.setattr(history, "PARALLEL_MIN_COMMITS", 1)
        monkeypatch.setenv("CREDGATE_JOBS", jobs)
        found = {f.secret.decode(): (f.commit, f.line) for f in history.collect(cfg, False, Stats())}
        assert found == {theirs: (side, 2), mine: (merge, 3)}, jobs


def test_shares_of_the_history_add_up_to_the_whole(repo: Repo) -> None:
    """scan_share is the unit a pool maps over: a share crosses a process boundary (pickled), and the
    shares' findings and commit counts add up to one serial walk's."""
    _branchy_history(repo)
    cfg = history.load_config(None)
    scanner = build_scanner(cfg)
    rng = Range(history.ALL_REFS[0], history.ALL_REFS[1:], "all refs")
    shas = gitio.rev_list(rng.revs)
    # Pickled before any scan, as the pool does: a scanner compiles its patterns on first use.
    shares = [
        pickle.dumps(
            history.Share(
                scanner, Range(rng.tip, rng.exclude, rng.label, tuple(shas[i::3])), cfg.max_file_size, i, 3
            )
        )
        for i in range(3)
    ]
    whole, whole_stats = history.scan_share(history.Share(build_scanner(cfg), rng, cfg.max_file_size))
    results = [history.scan_share(pickle.loads(share)) for share in shares]
    pieces = [(when, f) for found, _ in results for when, _rank, f in found]
    assert sorted(pieces, key=repr) == sorted([(when, f) for when, _rank, f in whole], key=repr)
    assert sum(stats.commits for _, stats in results) == whole_stats.commits == len(shas)
    assert len(whole) >= 3  # the two secrets, one of them added twice


def test_credential_file_is_judged_by_name_and_by_what_was_found(repo: Repo) -> None:
    from credgate.gate import credential_files as files_cmd

    classifier = files_cmd.Classifier(history.load_config(None))
    assert files_gate.credential_file(".env.master", classifier)
    assert not files_gate.credential_file("docs/GUIDE.md", classifier, {"aws-access-key-id"})
    assert files_gate.credential_file(
        "assets/cert.bin", classifier, {"pkcs12-keystore"}
    )  # found by structure


def test_work_alongside_the_workers_fails_the_run_when_it_fails(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What runs beside the workers (the credential-file pass) fails the history as it would serially."""
    from credgate.errors import InternalError

    _branchy_history(repo)
    cfg = history.load_config(None)
    ran: list[str] = []

    def broken() -> None:
        ran.append("alongside")
        raise InternalError("could not list the history's paths", "run `git fsck`")

    for jobs in ("1", "2"):
        monkeypatch.setattr(history, "PARALLEL_MIN_COMMITS", 1)
        monkeypatch.setenv("CREDGATE_JOBS", jobs)
        with pytest.raises(InternalError, match="could not list"):
            history.collect(cfg, False, Stats(), alongside=broken)
    assert ran == ["alongside", "alongside"]
