"""Add up the time a process's grades spend running checks (engine._run_checks).

Used by checks_time.py in its own process and, as the pytest plugin
`-p checks_timer`, in every pytest-xdist worker: each process writes its total
to a file of its own under $KATA_CHECKS_TIME_DIR when it ends (a worker that
`kata validate` forks, after each of its grades).
"""
from __future__ import annotations

import json
import os
import threading
import time

DIR_VAR = "KATA_CHECKS_TIME_DIR"
total = {"checks_s": 0.0, "grades": 0}
_lock = threading.Lock()


def install() -> None:
    """Time every kata's checks from now on, in this process."""
    from grader.grading import engine

    run_checks = engine._run_checks
    if getattr(run_checks, "timed", False):
        return

    def timed_checks(*a, **kw):
        started = time.perf_counter()
        try:
            return run_checks(*a, **kw)
        finally:
            with _lock:
                total["checks_s"] += time.perf_counter() - started
                total["grades"] += 1
            if os.getpid() != parent:
                write()   # a forked worker (kata validate's) may leave with os._exit: its total so far

    timed_checks.timed = True
    engine._run_checks = timed_checks
    parent = os.getpid()
    # A forked worker counts its own grades, in a file of its own.
    os.register_at_fork(after_in_child=lambda: total.update(checks_s=0.0, grades=0))


def write() -> None:
    folder = os.environ.get(DIR_VAR)
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as f:
            json.dump(total, f)


def read(folder: str) -> dict:
    """The totals of every process that wrote one into `folder`."""
    out = {"checks_s": 0.0, "grades": 0, "processes": 0}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as f:
            part = json.load(f)
        out["checks_s"] += part["checks_s"]
        out["grades"] += part["grades"]
        out["processes"] += part["grades"] > 0
    return out


# -- as a pytest plugin --------------------------------------------------------------

def pytest_configure(config):
    install()


def pytest_unconfigure(config):
    write()
