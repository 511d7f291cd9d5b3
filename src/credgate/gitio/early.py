"""The staged gate's first git reads, started before the gate asks for them.

A commit hook spends its first tens of milliseconds importing Python, while git could already be reading
HEAD and diffing the index on another core. `start()` starts the `git cat-file --batch` the blobs will be
read through, then runs `repo_state()` and `staged_changes_lean()` for HEAD in a thread; when the gate
calls one of them (with the arguments the thread used) it takes that result, or the exception it raised,
instead of running git again. Each result
is taken once. A call with other arguments, or made before the thread got that far, runs git as always,
so what is read never differs, only when.
"""

from __future__ import annotations

import subprocess
import threading
from contextlib import suppress

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Callable

_lock = threading.Lock()
_jobs: dict[str, _Job] = {}
_local = threading.local()  # .worker: this thread is the one reading early (its own calls run git)


class _Job:
    """One early call: where and with what it ran, and its outcome once `done` is set."""

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self.done = threading.Event()
        self.args: tuple[Any, ...] | None = None  # None: not run (an earlier step failed)
        self.value: Any = None
        self.error: BaseException | None = None


def start() -> None:
    """Start reading the repository state and the staged changes of the current directory. What the
    thread reads is served until stop() (which the caller runs when its gate is done, however it ends)."""
    import os

    try:
        cwd = os.getcwd()
    except OSError:
        return  # a directory that is gone: the gate reports it its own way
    stop()
    with _lock:
        _jobs["start_batch"] = batch_job = _Job(cwd)
        _jobs["repo_state"] = state_job = _Job(cwd)
        _jobs["staged_changes_lean"] = changes_job = _Job(cwd)
    jobs = (batch_job, state_job, changes_job)
    threading.Thread(target=_work, args=jobs, name="credgate-git", daemon=True).start()


def stop() -> None:
    """Serve nothing more from the last start(): a later gate in this process reads git itself. A
    `cat-file` started for it and not taken is ended."""
    with _lock:
        left = list(_jobs.values())
        _jobs.clear()
    for job in left:
        _discard(job)


def _discard(job: _Job) -> None:
    job.done.wait()
    proc = job.value
    if isinstance(proc, subprocess.Popen):
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()  # end of input: cat-file exits
        proc.wait()


def _work(batch_job: _Job, state_job: _Job, changes_job: _Job) -> None:
    _local.worker = True
    from credgate.gitio.index import staged_changes_lean
    from credgate.gitio.objects import start_batch
    from credgate.gitio.repo import repo_state

    try:
        with suppress(Exception):  # none started: read_blob_streams starts its own
            _run(batch_job, start_batch)
        try:
            state = _run(state_job, repo_state, None)
        except BaseException:  # noqa: BLE001 - handed to whoever asks for the state
            return
        _run(changes_job, staged_changes_lean, state.diff_base)
    except BaseException:  # noqa: BLE001 - handed to whoever asks for the changes
        return
    finally:
        for job in (batch_job, state_job, changes_job):
            job.done.set()


def _run(job: _Job, fn: Callable[..., Any], *args: Any) -> Any:
    job.args = args
    try:
        job.value = fn(*args)
    except BaseException as exc:
        job.error = exc
        raise
    finally:
        job.done.set()
    return job.value


def take(name: str, *args: Any) -> Callable[[], Any] | None:
    """The early outcome of `name(*args)` as a callable that returns it or raises it; None when there is
    none (then the caller runs git itself). Waits for the thread if it is still at it."""
    if not _jobs or getattr(_local, "worker", False):
        return None
    with _lock:
        job = _jobs.pop(name, None)
    if job is None:
        return None
    job.done.wait()
    import os

    try:
        here = os.getcwd()
    except OSError:
        return None
    if job.args != args or job.cwd != here:
        _discard(job)
        return None

    def outcome() -> Any:
        if job.error is not None:
            raise job.error
        return job.value

    return outcome
