"""The worker pool of `kata grade-class`: one worker process per submission.

Workers fork from a multiprocessing forkserver that has the grader preloaded.
The parent gives each submission an overall wall-clock budget; a worker that
dies or overruns is killed together with every process it left behind, and its
submission is recorded as "not graded" without stopping the others.
"""
from __future__ import annotations

import os
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass

from grader.classroom.records import ResultStore, grade_submission, not_graded
from grader.classroom.submissions import Submission
from grader.sandbox.proctree import descendants, process_table, token_holders

TOKEN_VAR = "KATA_CLASS_JOB"          # marks every process a worker starts, so a dead worker's leftovers can be found
PRELOAD = ["numpy", "jinja2", "grader.grading.engine", "grader.checks", "grader.reporting.html",
           "grader.classroom.pool"]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)


def default_wall_limit(n_katas: int, timeout: float) -> float:
    """Overall seconds one submission may take: far above what the sandbox allows
    (per kata: the learner's time, start-up, the grader's own checks), so it only
    stops a worker that is stuck for a reason the sandbox cannot see."""
    return 60.0 + n_katas * (2 * timeout + 60.0)


def _ignore(signum, frame) -> None:
    """SIGINT in a worker: the parent decides (a handler, unlike SIG_IGN, is not inherited across exec)."""


def _worker(job: dict) -> None:
    """Worker process entry: grade one submission and store its record and report."""
    signal.signal(signal.SIGINT, _ignore)
    # Every temporary folder of this worker (snapshots, the harness copy) lives in one the
    # parent removes when the worker is gone, however it ended.
    tempfile.tempdir = job["tmp"]
    os.environ["TMPDIR"] = job["tmp"]
    os.environ[TOKEN_VAR] = job["token"]   # marks this worker (and, without namespaces, its sandboxes)
    os.environ["KATA_ISOLATION"] = job["isolation"]   # the level the parent checked
    catalog, sub, store = job["catalog"], job["submission"], ResultStore(job["out"])
    started = time.monotonic()
    katas = [catalog.get(k) for k in job["katas"]]
    try:
        record, html = grade_submission(sub, katas, job["seed"], job["timeout"], job["memory_mb"], catalog)
    except Exception as exc:  # noqa: BLE001 - grading is built not to raise; if it does, say so and go on
        record, html = not_graded(sub, katas, job["seed"], f"internal grader error ({type(exc).__name__}: {exc})",
                                  catalog, time.monotonic() - started)
    record.update(fingerprint=job["fingerprint"], settings=job["settings"], job=job["token"])
    store.save(record, html)


def kill_job_processes(token: str) -> int:
    """Kill every process carrying `TOKEN_VAR=token` in its environment, and all their
    descendants (a sandbox's processes stay below its worker, or die with it)."""
    me, killed = os.getpid(), set()
    for _ in range(2):  # a second pass catches what forked during the first
        table = process_table()
        holders = token_holders(token, table, TOKEN_VAR)
        victims = set(holders)
        for pid in holders:
            victims.update(descendants(pid, table))
        victims.discard(me)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        if not victims:
            break
    return len(killed)


def _mp_context():
    import multiprocessing as mp

    try:
        ctx = mp.get_context("forkserver")
    except ValueError:  # pragma: no cover - platforms without fork
        return mp.get_context("spawn")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@dataclass
class _Running:
    sub: Submission
    process: object
    token: str
    started: float
    deadline: float
    tmp: str = ""

    def cleanup(self) -> None:
        import shutil

        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _exit_reason(code) -> str:
    if code is None:
        return "the grading process did not finish"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the grading process was killed by {name} (did the submission's code kill it?)"
    return f"the grading process ended with exit code {code} without a result"


def schedule(todo, jobs, limit, job, store, finish, failed) -> None:
    """Keep up to `jobs` worker processes busy, one submission each, until `todo` is done."""
    from multiprocessing.connection import wait

    ctx = _mp_context()
    pending = list(todo)
    running: dict[int, _Running] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                sub = pending.pop(0)
                token = uuid.uuid4().hex
                tmp = tempfile.mkdtemp(prefix=f"kata-job-{token[:8]}-")
                os.chmod(tmp, 0o711)  # a dropped uid passes through to its own folders, and lists nothing
                process = ctx.Process(target=_worker, args=({**job(sub, token), "tmp": tmp},),
                                      name=f"kata-grade-class:{sub.id}")
                try:
                    process.start()
                except OSError as exc:  # out of processes or memory: this submission waits for the next run
                    os.rmdir(tmp)
                    finish(sub, failed(sub, f"the grading process could not start ({exc})", token, 0.0))
                    continue
                now = time.monotonic()
                running[process.sentinel] = _Running(sub, process, token, now, now + limit, tmp)
            soonest = min(r.deadline for r in running.values())
            ready = wait(list(running), timeout=max(0.05, min(soonest - time.monotonic(), 5.0)))
            for sentinel in ready:
                r = running.pop(sentinel)
                r.process.join()
                code = r.process.exitcode
                r.process.close()
                record = store.load(r.sub.safe_id) if code == 0 else None
                if record is None or record.get("job") != r.token:
                    kill_job_processes(r.token)
                    record = failed(r.sub, _exit_reason(code), r.token, time.monotonic() - r.started)
                r.cleanup()
                finish(r.sub, record)
            now = time.monotonic()
            for sentinel, r in list(running.items()):
                if now > r.deadline:
                    del running[sentinel]
                    _stop(r)
                    finish(r.sub, failed(r.sub, f"grading took longer than {limit:g} s and was stopped",
                                         r.token, now - r.started))
    except BaseException:
        for r in running.values():
            _stop(r)
        raise


def _stop(r: _Running) -> None:
    try:
        r.process.kill()
    except (OSError, ValueError):
        pass
    r.process.join(timeout=5)
    kill_job_processes(r.token)
    r.cleanup()
    try:
        r.process.close()
    except ValueError:  # pragma: no cover - still running after SIGKILL and 5 s
        pass
