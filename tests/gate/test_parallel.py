"""gate/parallel.py: every core, results in input order, identical to a serial run, fail closed."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from credgate.engine.rules import load
from credgate.engine.scanner import Scanner, ScanResult
from credgate.errors import InternalError
from credgate.gate import parallel
from credgate.gate.parallel import Job, scan_many
from tests.conftest import aws_pair, secret, token

if not parallel._can_fork():  # pragma: no cover - Windows
    pytest.skip("no fork on this platform: scan_many stays serial", allow_module_level=True)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def _tree(root: Path, files: int = 400) -> list[Job]:
    """A generated tree of source, config and binary files, about one in five holding a synthetic secret."""
    rng = random.Random(17)
    jobs = []
    for i in range(files):
        kind = rng.choice(["py", "yaml", "env", "json", "bin"])
        lines = [f"value_{j} = compute({j}, '{rng.choice(['alpha', 'beta', 'gamma'])}')" for j in range(40)]
        if i % 5 == 0:
            key_id, key = aws_pair()
            lines.insert(
                rng.randrange(len(lines)), f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}"
            )
        if i % 7 == 0:
            lines.append(f"token = '{secret('%%github:ghp_%%')}'")
        if i % 11 == 0:
            lines.append(f'password = "{token(18)}"  # credgate:allow reason=fixture')
        if i % 13 == 0:
            lines.append('password = "changeme"')
        body = ("\n".join(lines) + "\n").encode()
        if kind == "bin":
            body = bytes(rng.randrange(256) for _ in range(2000)) + body
        path = f"pkg{i % 9}/mod_{i}.{kind}"
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        # Half the jobs carry their bytes, half name a file the worker reads.
        jobs.append(Job(path, data=body) if i % 2 else Job(path, file=str(target), size=len(body)))
    return jobs


def _serial(scanner: Scanner, jobs: list[Job]) -> list[ScanResult]:
    return [scanner.scan(job.content(), job.path) for job in jobs]


def test_parallel_output_is_identical_to_serial_and_in_input_order(scanner: Scanner, tmp_path: Path) -> None:
    jobs = _tree(tmp_path)
    serial = _serial(scanner, jobs)
    forked = scan_many(scanner, jobs, workers=2, min_parallel_bytes=0)
    assert forked == serial
    assert (
        len(parallel.batches(jobs, [j.weight for j in jobs], sum(j.weight for j in jobs), 2)) > 4
    )  # really spread over batches
    found = [f for r in serial for f in r.findings]
    assert {"aws-access-key-id", "github-pat"} <= {f.rule_id for f in found}
    assert sum(bool(r.allowed) for r in serial) > 10 and any(r.kind == "binary" for r in serial)
    # Order: each result belongs to its job.
    assert all(f.path == job.path for job, r in zip(jobs, forked) for f in r.findings)


def test_small_inputs_stay_serial(scanner: Scanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object) -> None:
        raise AssertionError("a small input must not start worker processes")

    monkeypatch.setattr(parallel, "_map_parallel", no_pool)
    jobs = _tree(tmp_path, files=20)
    assert scan_many(scanner, jobs, workers=2) == _serial(scanner, jobs)
    assert scan_many(scanner, jobs[:1], workers=8, min_parallel_bytes=0) == _serial(scanner, jobs[:1])


def test_batches_keep_order_and_group_small_files() -> None:
    jobs = [Job(f"f{i}", data=b"x" * 100) for i in range(2000)]
    groups = parallel.batches(jobs, [j.weight for j in jobs], 200_000, 2)
    assert [j for g in groups for j in g] == jobs
    assert len(groups) < 40 and all(len(g) <= parallel.BATCH_JOBS for g in groups)
    big = [Job(f"b{i}", data=b"x" * 3_000_000) for i in range(3)]
    assert [len(g) for g in parallel.batches(big, [j.weight for j in big], 9_000_000, 2)] == [1, 1, 1]


def test_an_unreadable_file_fails_closed(scanner: Scanner, tmp_path: Path) -> None:
    jobs = _tree(tmp_path, files=40)
    jobs[17] = Job("gone.py", file=str(tmp_path / "gone.py"), size=10)
    with pytest.raises(InternalError, match="gone.py"):
        scan_many(scanner, jobs, workers=2, min_parallel_bytes=0)
    with pytest.raises(InternalError, match="gone.py"):
        scan_many(scanner, jobs, workers=1)


def test_a_worker_error_fails_closed(
    scanner: Scanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Scanner.scan

    def broken(self: Scanner, raw: bytes, path: str) -> ScanResult:
        if "/mod_23." in path:
            raise RuntimeError("engine bug")
        return real(self, raw, path)

    jobs = _tree(tmp_path, files=60)
    assert any("/mod_23." in j.path for j in jobs)
    monkeypatch.setattr(Scanner, "scan", broken)
    with pytest.raises(InternalError, match="RuntimeError") as err:
        scan_many(scanner, jobs, workers=2, min_parallel_bytes=0)
    assert err.value.exit_code == 3


def test_a_worker_that_dies_fails_closed(
    scanner: Scanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Scanner.scan

    def dying(self: Scanner, raw: bytes, path: str) -> ScanResult:
        if "/mod_23." in path:
            os._exit(9)  # killed: no exception, no result
        return real(self, raw, path)

    jobs = _tree(tmp_path, files=60)
    monkeypatch.setattr(Scanner, "scan", dying)
    with pytest.raises(InternalError, match="died"):
        scan_many(scanner, jobs, workers=2, min_parallel_bytes=0)


def test_a_job_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError):
        Job("a.py")
    with pytest.raises(ValueError):
        Job("a.py", data=b"x", file="a.py")


def test_background_gives_its_value_and_raises_what_it_raised() -> None:
    from credgate.errors import InternalError
    from credgate.gate.parallel import Background

    assert Background(lambda: 41 + 1).result() == 42

    def broken() -> None:
        raise InternalError("git failed", "run git fsck")

    failing = Background(broken)
    with pytest.raises(InternalError, match="git failed"):
        failing.result()
