"""`kata grade-class`: grade every submission under a folder, in parallel and resumably.

This module runs a class; its parts are submissions.py (what a submission is),
pool.py (the workers), records.py (what is stored), gradebook.py (the gradebook
and the summary page) and progress.py (what the instructor sees meanwhile).

A submission is a folder holding `.kata-workspace.json` (a `kata init`
workspace), or, as in an LMS export, any folder directly holding a learner file
of a known kata (`part1_softmax_ce.py`, ...). Its id is its path relative to
the submissions folder. Submissions are only ever read: nothing is written into
them (not even the progress record `kata grade` keeps).

Each submission is graded in its own worker process (forked from a
multiprocessing forkserver that has the grader preloaded), every kata with the
usual sandbox and its time and memory limits. The parent also gives each
submission an overall wall-clock budget; a worker that dies (killed by the
learner's code, say) or overruns is killed together with every process it left
behind, and the submission is recorded as "not graded" without stopping the
others. Every submission sees the same hidden cases: one seed per class run.

The output folder:

    results/<safe-id>.json   one record per submission, written atomically when it is done
    reports/<safe-id>.html   the submission's own HTML report (what `kata grade --format html` shows)
    gradebook.csv            one row per submission: points per kata, total, max, status
    index.html               the class summary: pass rates and the most common diagnoses per kata
    class.json               the run's settings (seed, katas, limits) and totals

A re-run skips every submission whose record matches its files (a hash of the
folder's `*.py` files) and the run's settings; `force=True` regrades them all.
Records of submissions whose grading itself failed are always retried.
"""
from __future__ import annotations

import time
from pathlib import Path

from grader import __version__
from grader.classroom.classrun import ClassRun
from grader.classroom.gradebook import write_outputs
from grader.classroom.pool import default_jobs, default_wall_limit, schedule
from grader.classroom.records import NOT_GRADED, ResultStore, not_graded
from grader.classroom.submissions import Submission, discover, fingerprint
from grader.workspace.state import STATE_FILE

DEFAULT_SEED = 1234


class ClassGradeError(Exception):
    """A setup problem the user must fix (exit code 2)."""


def require_isolation(allow_unisolated: bool):
    """The isolation the run will use; refuses to grade strangers' code without
    namespaces or a uid drop unless the instructor explicitly allows it."""
    from grader.sandbox.isolation import IsolationError, current_isolation

    try:
        isolation = current_isolation()
    except IsolationError as exc:
        raise ClassGradeError(str(exc)) from None
    if not isolation.isolated and not allow_unisolated:
        raise ClassGradeError(
            "refusing to grade: this machine gives learner code no isolation beyond a separate process "
            f"({isolation.why_weaker}), so one submission could read the answers, change other "
            "submissions or forge its own grade. Run as root, or where bubblewrap can create namespaces "
            "(pip installs it on Linux); or pass --allow-unisolated for code you trust")
    return isolation


def grade_class(root: Path, out: Path, catalog, *, katas=None, jobs: int | None = None, seed: int = DEFAULT_SEED,
                timeout: float | None = None, memory_mb: int | None = None, force: bool = False, progress=None,
                wall_limit: float | None = None, allow_unisolated: bool = False) -> ClassRun:
    """Grade every submission under `root` into `out` (see the module docstring).

    `katas`: the Kata objects to grade (default: the whole catalog). `progress`: an
    object with `start(run, todo)` and `finished(run, sub, record)` (see ProgressPrinter).
    Ctrl-C stops the workers; the submissions finished so far stay recorded."""
    from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

    started = time.monotonic()
    root, out = Path(root).resolve(), Path(out).resolve()
    if not root.is_dir():
        raise ClassGradeError(f"{root} is not a folder")
    if out == root:
        raise ClassGradeError("the output folder cannot be the submissions folder itself; choose another --out")
    isolation = require_isolation(allow_unisolated)
    katas = list(katas) if katas else list(catalog)
    timeout = float(timeout or DEFAULT_TIMEOUT_S)
    memory_mb = int(memory_mb or DEFAULT_MEMORY_MB)
    settings = {"seed": int(seed), "katas": [k.id for k in katas], "timeout": timeout, "memory_mb": memory_mb,
                "tool_version": __version__}
    submissions = discover(root, catalog, exclude=[out])
    if not submissions:
        names = ", ".join(k.learner_file for k in catalog)
        raise ClassGradeError(f"no submissions under {root}: no folder in it holds {STATE_FILE} or a learner file "
                              f"({names})")
    for sub in submissions:
        if out == sub.path or sub.path in out.parents:
            raise ClassGradeError(f"the output folder {out} is inside the submission {sub.id}; "
                                  "choose an --out outside every submission")
    store = ResultStore(out)
    try:
        store.create()
    except OSError as exc:
        raise ClassGradeError(f"cannot create the output folder {out}: {exc}") from None

    run = ClassRun(root, out, settings, submissions, isolation=isolation.label)
    todo, fingerprints = [], {}
    for sub in submissions:
        fingerprints[sub.id] = fp = fingerprint(sub.path, sub.notebook)
        record = None if force else store.load(sub.safe_id)
        if store.is_done(record, fp, settings):
            run.records[sub.id] = record
            run.skipped.append(sub.id)
        else:
            todo.append(sub)
    if progress:
        progress.start(run, todo)

    limit = wall_limit if wall_limit is not None else default_wall_limit(len(katas), timeout)

    def job(sub: Submission, token: str) -> dict:
        return {"catalog": catalog, "submission": sub, "out": str(out), "katas": settings["katas"],
                "seed": settings["seed"], "timeout": timeout, "memory_mb": memory_mb,
                "fingerprint": fingerprints[sub.id], "settings": settings, "token": token,
                "isolation": isolation.level}

    def finish(sub: Submission, record: dict) -> None:
        run.records[sub.id] = record
        run.graded.append(sub.id)
        if progress:
            progress.finished(run, sub, record)

    def failed(sub: Submission, why: str, token: str, duration: float) -> dict:
        record, html = not_graded(sub, katas, settings["seed"], why, catalog, duration)
        record.update(fingerprint=fingerprints[sub.id], settings=settings, job=token)
        try:
            store.save(record, html)
        except OSError:
            pass  # still in the gradebook of this run; graded again next time
        return record

    try:
        schedule(todo, max(1, jobs or default_jobs()), limit, job, store, finish, failed, isolation.level)
    except KeyboardInterrupt:
        run.interrupted = True
    run.elapsed_s = time.monotonic() - started
    if not run.interrupted:
        write_outputs(run, store, katas, catalog)
    return run
