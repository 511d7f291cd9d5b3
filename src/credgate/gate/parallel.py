"""Scanning many files on every core: results in input order, identical to a serial run.

`scan_many(scanner, jobs)` returns one ScanResult per job, in the order of `jobs`, exactly what
`[scanner.scan(job.content(), job.path) for job in jobs]` returns. Small inputs are scanned serially in
this process (a worker pool costs more than it saves below a few megabytes). Larger ones are cut into
batches of consecutive jobs, about a megabyte or a few hundred files each, so the per-task cost of a
process pool (pickling, a queue round trip) stays small against the scanning, and handed to one forked
worker per core. The workers inherit the scanner and its prefilter databases from this process (fork, on
Linux and the BSDs; on macOS and Windows the scan stays serial), compiled before the fork; each worker
compiles the few rule regexes its files reach on first use.

Fail closed: a job that cannot be read, a worker that raises, or a worker that dies (killed, out of
memory) stops the scan with an InternalError (exit 3) naming what failed; no job is ever skipped
silently, and no partial result is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from credgate.errors import InternalError

if TYPE_CHECKING:
    from credgate.engine.scanner import Scanner, ScanResult

PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # below this much content the scan stays in this process
BATCH_BYTES = 1024 * 1024  # content per task handed to a worker
BATCH_JOBS = 256  # jobs per task at most (many tiny files)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Job:
    """One thing to scan: `path` is the name the scanner sees (rules' file globs, reports).

    Give the content as `data`, or as `file`, a path to read (by the worker, which keeps the bytes out of
    the pipe between processes). `size` is the content's size when given as `file` (used only to cut
    batches; 0 if unknown).
    """

    path: str
    data: bytes | None = None
    file: str | None = None
    size: int = 0

    def __post_init__(self) -> None:
        if (self.data is None) == (self.file is None):
            raise ValueError("a Job has either data or a file to read, not both or neither")

    @property
    def weight(self) -> int:
        return len(self.data) if self.data is not None else self.size

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            with open(str(self.file), "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise InternalError(
                f"could not read {self.path} to scan it: {exc.strerror}",
                hint="check that the file is readable and run the scan again",
            ) from None


def workers_available() -> int:
    """The cores this process may run on, or CREDGATE_JOBS (1 keeps every scan in this process)."""
    import os

    wanted = os.environ.get("CREDGATE_JOBS", "").strip()
    if wanted:
        if not wanted.isdigit() or int(wanted) < 1:
            from credgate.errors import UsageError

            raise UsageError(
                f"CREDGATE_JOBS={wanted!r} is not a number of processes",
                "set CREDGATE_JOBS to 1 or more (1: scan in this process only), or unset it for every core",
            )
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return os.cpu_count() or 1


def scan_many(
    scanner: Scanner,
    jobs: Sequence[Job],
    workers: int | None = None,
    min_parallel_bytes: int = PARALLEL_MIN_BYTES,
) -> list[ScanResult]:
    """One ScanResult per job, in input order; serial for small inputs, else on `workers` processes."""
    return ordered_map(
        lambda job: scanner.scan(job.content(), job.path),
        list(jobs),
        [job.weight for job in jobs],
        name=lambda job: job.path,
        warm=lambda total: warm(scanner, total),
        workers=workers,
        min_parallel_bytes=min_parallel_bytes,
    )


def ordered_map(
    fn: Callable[[T], R],
    items: list[T],
    weights: list[int],
    *,
    name: Callable[[T], str],
    warm: Callable[[int], None] | None = None,
    workers: int | None = None,
    min_parallel_bytes: int = PARALLEL_MIN_BYTES,
) -> list[R]:
    """`[fn(item) for item in items]`, in that order, on forked workers when the items weigh enough.

    `fn` is inherited by the workers through fork, never pickled, so it may close over a scanner and a
    config; only the items and the results cross the pipe. `weights` (bytes, say) cut the batches;
    `name` names an item in an error; `warm(total)` runs once before the fork, to compile what every
    worker would otherwise compile for itself.
    """
    workers = workers_available() if workers is None else workers
    total = sum(weights)
    if workers <= 1 or len(items) < 2 or total < min_parallel_bytes or not _can_fork():
        return [fn(item) for item in items]
    if warm is not None:
        warm(total)
    return _map_parallel(fn, batches(items, weights, total, workers), workers, name, len(items))


def batches(items: list[T], weights: list[int], total: int, workers: int) -> list[list[T]]:
    """Consecutive items grouped so each batch holds about BATCH_BYTES (fewer when the input is small, so
    every worker gets several batches and a slow one does not leave the others idle)."""
    target = max(64 * 1024, min(BATCH_BYTES, total // (workers * 4) or 1))
    out: list[list[T]] = []
    current: list[T] = []
    size = 0
    for item, weight in zip(items, weights):
        current.append(item)
        size += max(weight, 1)
        if size >= target or len(current) >= BATCH_JOBS:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


def _can_fork() -> bool:
    import multiprocessing
    import sys

    # macOS has fork, but system libraries a process may have loaded are not safe across it (Python's own
    # default there is spawn, which would have to rebuild the scanner in every worker): serial there.
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


# The function the forked workers apply: set in the parent just before the pool starts, inherited by fork.
_WORKER_FN: Callable[[Any], Any] | None = None


def _worker(items: list[Any]) -> list[Any]:
    assert _WORKER_FN is not None, "the worker was not forked from a scanning process"
    return [_WORKER_FN(item) for item in items]


def warm(scanner: Scanner, total: int) -> None:
    """Compile here, once, what every worker would otherwise compile for itself after the fork: the
    prefilter's databases and the filters' patterns (by scanning a small sample). The rules' regexes are
    left to compile on first use in each worker: with the prefilter's narrowing a scan of a whole
    site-packages tree reaches about 50 of the 478, and compiling all of them here (0.2-0.3 s) would be time
    the other cores wait through."""
    scanner.ruleset.prefilter().warm(total)
    scanner.scan(_SAMPLE, "warm/sample.py")


# A few lines that wake the decoy filters and the encoded-run readers without holding anything secret.
_SAMPLE = (
    b'password = "changeme"\napi_key = os.environ["API_KEY"]\ntoken: ${TOKEN}\n'
    b"data = 'aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQ='\nurl = 'https://user:%70%61ss@example.com/'\n"
)


def _map_parallel(
    fn: Callable[[T], R], groups: list[list[T]], workers: int, name: Callable[[T], str], count: int
) -> list[R]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORKER_FN
    results: list[R] = []
    _WORKER_FN = fn
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(groups)), mp_context=context)
    try:
        futures = [pool.submit(_worker, group) for group in groups]
        for group, future in zip(groups, futures):
            try:
                done = future.result()
            except BrokenProcessPool:
                raise InternalError(
                    "a scanning worker process died (killed, or out of memory): the scan stopped, "
                    "nothing was skipped",
                    hint="run the scan again; if it recurs, scan fewer files at once, or set CREDGATE_JOBS=1",
                ) from None
            except InternalError:
                raise
            except Exception as exc:  # the worker's own error, re-raised here by the pool
                # The type only: an engine error's text could quote scanned content.
                first, last = name(group[0]), name(group[-1])
                where = first if len(group) == 1 else f"{first} ... {last}"
                raise InternalError(f"a scanning worker failed ({type(exc).__name__}) on {where}") from None
            if len(done) != len(group):  # pragma: no cover - a worker returns one result per item
                raise InternalError(f"a scanning worker returned {len(done)} results for {len(group)} files")
            results.extend(done)
    finally:
        _WORKER_FN = None
        pool.shutdown(wait=True, cancel_futures=True)
    if len(results) != count:  # pragma: no cover - guarded per batch above
        raise InternalError(f"the parallel scan returned {len(results)} results for {count} files")
    return results


class Background:
    """A call run on a thread while this process waits on other work (git, a worker pool); `result()`
    joins it and raises what it raised, so an error there fails the run as it would have serially.

    Start one only where no process is forked before it is joined: a fork while the thread holds a lock
    would hand the child that lock, held forever."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        import threading

        self._value: Any = None
        self._error: BaseException | None = None

        def work() -> None:
            try:
                self._value = fn()
            except BaseException as exc:  # noqa: BLE001 - re-raised by result(), in the caller's thread
                self._error = exc

        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
