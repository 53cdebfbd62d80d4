"""Where `kata validate` runs its grades side by side.

A grade is half the grader's own Python (the checks, the comparisons, the codec)
and half waiting for the sandbox. Threads share one interpreter lock, so two
grades in threads queue for it; on Linux the jobs run in forked worker processes
instead, when the process forking them has no other thread (as `kata validate`
has not). Otherwise, in threads.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import shutil
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Callable, Iterator

_JOBS: list[Callable] = []   # the parent's jobs: a forked worker inherits them and runs one by index


def _start_worker(scratch: str) -> None:
    from grader.sandbox import warm

    # Every temporary folder of the worker (its zygotes' spools, the harness copy) lives
    # in `scratch`, which the parent removes however the worker ended.
    tempfile.tempdir = scratch
    os.environ["TMPDIR"] = scratch
    warm.reset_after_fork()   # the parent's zygotes answer the parent only
    # A pool's worker leaves with os._exit, past atexit: its own zygotes are closed by this finalizer.
    multiprocessing.util.Finalize(None, lambda: warm.pool().close(), exitpriority=10)


def _run(index: int):
    return _JOBS[index]()


def can_fork() -> bool:
    """Fork is safe only while this process has one thread: a fork copies the locks
    other threads hold, and nothing in the child would ever release them."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def run_all(jobs: list[Callable], workers: int) -> Iterator:
    """Each job's result, in the jobs' order, at most `workers` at a time."""
    global _JOBS
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job()
        return
    if not can_fork():
        with ThreadPoolExecutor(max_workers=workers) as pool:
            yield from pool.map(lambda job: job(), jobs)
        return
    _JOBS = jobs
    scratch = tempfile.mkdtemp(prefix="kata-validate-")
    os.chmod(scratch, 0o711)   # a dropped uid passes through to its own folders, and lists nothing
    try:
        # With "fork", the executor starts every worker at the first submit, before its own thread.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_worker, initargs=(scratch,)) as pool:
            yield from pool.map(_run, range(len(jobs)))
    finally:
        _JOBS = []
        shutil.rmtree(scratch, ignore_errors=True)
