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


def grade_job(job: dict) -> None:
    """Grade one submission and store its record and report (in a worker)."""
    os.environ[TOKEN_VAR] = job["token"]   # marks this job's cold sandboxes, if any
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


def _worker(conn, tmp: str, isolation: str) -> None:
    """A worker process: grades the submissions the parent sends, one at a time, forking
    every kata from the worker's own warm sandboxes, until the parent sends None."""
    from grader.grading.engine import use_warm_sandboxes

    signal.signal(signal.SIGINT, _ignore)
    # Every temporary folder of this worker (its zygotes' spools, snapshots, the harness copy)
    # lives in one the parent removes when the worker is gone, however it ended.
    tempfile.tempdir = tmp
    os.environ["TMPDIR"] = tmp
    os.environ["KATA_ISOLATION"] = isolation   # the level the parent checked
    use_warm_sandboxes()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        grade_job(job)
        conn.send(job["token"])


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
class _Worker:
    process: object
    conn: object
    tmp: str
    sub: Submission | None = None     # the submission it is grading, if any
    token: str = ""
    started: float = 0.0
    deadline: float = 0.0

    def stop(self, gently: bool = True) -> None:
        """End the worker (and, with it, its warm sandboxes) and remove its folder."""
        import shutil

        if gently:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.process.join(timeout=5)
        if self.process.is_alive():
            try:
                self.process.kill()
            except (OSError, ValueError):
                pass
            self.process.join(timeout=5)
        if self.token:
            kill_job_processes(self.token)
        try:
            self.conn.close()
        except OSError:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)
        try:
            self.process.close()
        except ValueError:  # pragma: no cover - still running after SIGKILL and 5 s
            pass


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


def schedule(todo, jobs, limit, job, store, finish, failed, isolation: str = "") -> None:
    """Grade `todo` with up to `jobs` long-lived workers, one submission at a time each. A
    worker that dies or overruns costs only its submission: it is replaced by a fresh one."""
    from multiprocessing.connection import wait

    ctx = _mp_context()
    pending = list(todo)
    workers: list[_Worker] = []

    def start() -> _Worker | None:
        tmp = tempfile.mkdtemp(prefix="kata-worker-")
        os.chmod(tmp, 0o711)  # a dropped uid passes through to its own folders, and lists nothing
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=_worker, args=(theirs, tmp, isolation), name="kata-grade-class-worker")
        try:
            process.start()
        except OSError:
            os.rmdir(tmp)
            return None
        theirs.close()
        return _Worker(process, ours, tmp)

    def assign(w: _Worker, sub: Submission) -> None:
        w.sub, w.token, w.started = sub, uuid.uuid4().hex, time.monotonic()
        w.deadline = w.started + limit
        w.conn.send(job(sub, w.token))

    def retire(w: _Worker, gently: bool) -> None:
        w.stop(gently)
        workers.remove(w)

    try:
        while pending or any(w.sub for w in workers):
            while pending and len(workers) < jobs:
                w = start()
                if w is None:  # out of processes or memory: this submission waits for the next run
                    sub = pending.pop(0)
                    finish(sub, failed(sub, "the grading process could not start", uuid.uuid4().hex, 0.0))
                    continue
                workers.append(w)
            for w in workers:
                if w.sub is None and pending:
                    assign(w, pending.pop(0))
            busy = [w for w in workers if w.sub is not None]
            if not busy:
                continue
            soonest = min(w.deadline for w in busy)
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                             timeout=max(0.05, min(soonest - time.monotonic(), 5.0))))
            for w in list(busy):
                if w.conn in ready:
                    try:
                        token = w.conn.recv()
                    except (EOFError, OSError):
                        token = None
                    if token == w.token:
                        sub, w.sub = w.sub, None
                        record = store.load(sub.safe_id)
                        if record is None or record.get("job") != token:
                            record = failed(sub, "the grading process stored no result", token,
                                            time.monotonic() - w.started)
                        w.token = ""
                        finish(sub, record)
                        continue
                if w.process.sentinel in ready or (w.conn in ready and w.sub is not None):
                    w.process.join(timeout=5)
                    sub, code, token = w.sub, w.process.exitcode, w.token
                    retire(w, gently=False)
                    finish(sub, failed(sub, _exit_reason(code), token, time.monotonic() - w.started))
            now = time.monotonic()
            for w in [w for w in workers if w.sub is not None and now > w.deadline]:
                sub, token = w.sub, w.token
                retire(w, gently=False)
                finish(sub, failed(sub, f"grading took longer than {limit:g} s and was stopped", token,
                                   now - w.started))
    finally:
        for w in list(workers):
            retire(w, gently=w.sub is None)
