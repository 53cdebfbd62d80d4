"""`kata grade-class`: grade every submission under a folder, in parallel and resumably.

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

import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.workspace import STATE_FILE

DEFAULT_SEED = 1234
RECORD_VERSION = 1
RESULTS_DIR, REPORTS_DIR = "results", "reports"
GRADEBOOK, SUMMARY, RUN_FILE = "gradebook.csv", "index.html", "class.json"
TOKEN_VAR = "KATA_CLASS_JOB"          # marks every process a worker starts, so a dead worker's leftovers can be found
SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}   # and every hidden folder (.git, .kata-backups)
PRELOAD = ["numpy", "jinja2", "grader.engine", "grader.checklib", "grader.report", "grader.classgrade"]

# Submission statuses (gradebook "status" column).
PASSED = "passed"          # every graded kata passed
FAILED = "failed"          # graded; some kata did not pass
ERROR = "error"            # graded; the code crashed, hung, ran out of memory or did not load in some kata
NOT_GRADED = "not-graded"  # grading itself failed (the worker died or overran); retried on the next run

INTERNAL = "internal grader error"  # how the engine and the sandbox begin a message about their own failure

# Per kata, in the summary.
KATA_STATES = ("passed", "failed", "not-implemented", "stopped", "missing", "not-graded")


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


# ---------------------------------------------------------------- discovery

@dataclass
class Submission:
    id: str          # path relative to the submissions folder, "/"-separated ("." for the folder itself)
    path: Path       # absolute
    kind: str        # "workspace" (has the state file) or "files" (learner files only)

    @property
    def safe_id(self) -> str:
        return safe_id(self.id)


_CLEAN_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_HASHED = re.compile(r".*-[0-9a-f]{12}")


def safe_id(sub_id: str) -> str:
    """A file name for a submission id that no other id maps to: the id itself when it
    is a plain lower-case name, else a sanitised version with a hash of the id.

    Plain names never end like a hashed one ("-" and 12 hex digits), and an id with
    capitals is always hashed, so no two ids collide, not even on a file system that
    ignores case."""
    if _CLEAN_ID.fullmatch(sub_id) and not sub_id.endswith((".", "-")) and not _HASHED.fullmatch(sub_id):
        return sub_id
    clean = re.sub(r"[^a-z0-9._-]+", "_", sub_id.lower()).strip("._-")[:60] or "submission"
    return f"{clean}-{hashlib.sha256(sub_id.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}"


def discover(root: Path, catalog, exclude=()) -> list[Submission]:
    """Every submission under `root`, sorted by id. Hidden folders are skipped, and a
    submission's own subfolders are not searched (its backups are not submissions).
    `root` itself is a submission only when no folder below it is one (so a stray
    learner file beside the class's folders hides nobody)."""
    root = Path(root).resolve()
    names = {k.learner_file for k in catalog}
    excluded = {Path(p).resolve() for p in exclude}
    found, top = [], None
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        files = set(filenames)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS
                             and (here / d).resolve() not in excluded)
        if STATE_FILE in files or names & files:
            sub = Submission(here.relative_to(root).as_posix(), here,
                             "workspace" if STATE_FILE in files else "files")
            if here == root:
                top = sub
                continue
            found.append(sub)
            dirnames[:] = []
    if top is not None and not found:
        found.append(top)
    return sorted(found, key=lambda s: s.id)


def fingerprint(folder: Path) -> str:
    """A hash of the names and contents of the folder's *.py files (the learner's files and helpers)."""
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in Path(folder).iterdir() if p.suffix == ".py" and p.is_file())
    except OSError as exc:
        return f"unreadable-{exc.errno}"
    for path in files:
        digest.update(path.name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            digest.update(f"unreadable {exc.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


# ---------------------------------------------------------------- grading one submission

def _kata_info(kata):
    from grader.report import KataInfo, planned_checks

    return KataInfo(points=float(kata.points), check_points=dict(getattr(kata, "check_points", {}) or {}),
                    planned=planned_checks(kata))


def _record(sub: Submission, katas, results, seed: int, status: str, error: str | None, missing, stopped,
            duration: float):
    """The stored record and the report of a graded (or not graded) submission."""
    from grader.report_gradescope import kata_points
    from grader.results import GradeReport

    from grader.sandbox.isolation import current_isolation

    report = GradeReport(results, seed, sub.id, False, __version__, current_isolation().label)
    points, possible = {}, {}
    for kata, result in zip(katas, results):
        points[kata.id], possible[kata.id] = kata_points(result, _kata_info(kata))
    record = {
        "version": RECORD_VERSION,
        "submission": sub.id,
        "safe_id": sub.safe_id,
        "path": str(sub.path),
        "kind": sub.kind,
        "status": status,
        "error": error,
        "points": points,
        "max_points": possible,
        "total": round(sum(points.values()), 2),
        "max": round(sum(possible.values()), 2),
        "missing": list(missing),
        "stopped": list(stopped),
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "duration_s": round(duration, 3),
        "report": report.to_dict(),
    }
    return record, report


def grade_submission(sub: Submission, katas, seed: int, timeout: float, memory_mb: int, catalog=None):
    """Grade every kata of one submission (read-only). Returns (record, html report)."""
    from grader import report as reports
    from grader.engine import grade_kata

    started = time.monotonic()
    missing = [k.id for k in katas if not (sub.path / k.learner_file).is_file()]
    results = [grade_kata(k, sub.path, seed, timeout, memory_mb) for k in katas]
    stopped = [r.id for r in results if r.fatal and r.id not in missing]
    passed = bool(results) and all(r.passed for r in results)
    status, error = PASSED if passed else (ERROR if stopped else FAILED), None
    # The grader's own failure (say, a sandbox that did not start on an overloaded machine) is not the
    # submission's: it is not graded yet, and the next run tries again.
    internal = [r.id for r in results if (r.fatal or "").startswith(INTERNAL)
                or any(c.message.startswith(INTERNAL) for c in r.checks)]
    if internal:
        status, error = NOT_GRADED, f"internal grader error in {', '.join(internal)} (see the report)"
    record, report = _record(sub, katas, results, seed, status, error, missing, stopped, time.monotonic() - started)
    return record, reports.render(report, "html", catalog=catalog)


def not_graded(sub: Submission, katas, seed: int, why: str, catalog=None, duration: float = 0.0):
    """The record (and report) of a submission whose grading failed: every kata 0 points, with the reason."""
    from grader import report as reports
    from grader.results import KataResult

    message = f"this submission could not be graded: {why}. It will be graded again."
    results = [KataResult(kata.id, kata.alias, kata.title, kata.learner_file, kata.source, fatal=message)
               for kata in katas]
    record, report = _record(sub, katas, results, seed, NOT_GRADED, why, [], [], duration)
    return record, reports.render(report, "html", catalog=catalog)


# ---------------------------------------------------------------- the results store

def _write_atomic(path: Path, text: str) -> None:
    """A reader (or a re-run after a kill at any moment) sees the old file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultStore:
    """OUT/results/<safe-id>.json and OUT/reports/<safe-id>.html. The JSON is written
    last: its presence means the submission is done."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.results = self.out / RESULTS_DIR
        self.reports = self.out / REPORTS_DIR

    def create(self) -> None:
        self.results.mkdir(parents=True, exist_ok=True)
        self.reports.mkdir(parents=True, exist_ok=True)

    def result_path(self, safe: str) -> Path:
        return self.results / f"{safe}.json"

    def report_path(self, safe: str) -> Path:
        return self.reports / f"{safe}.html"

    def load(self, safe: str) -> dict | None:
        try:
            record = json.loads(self.result_path(safe).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        keys = ("submission", "safe_id", "status", "points", "max_points", "total", "max", "report")
        if (not isinstance(record, dict) or record.get("version") != RECORD_VERSION
                or any(k not in record for k in keys)):
            return None  # damaged or from another version: graded again
        return record

    def save(self, record: dict, html: str | None) -> None:
        safe = record["safe_id"]
        if html is not None:
            _write_atomic(self.report_path(safe), html)
        _write_atomic(self.result_path(safe), json.dumps(record, indent=1, ensure_ascii=False) + "\n")

    def is_done(self, record: dict | None, fp: str, settings: dict) -> bool:
        return (record is not None and record.get("fingerprint") == fp and record.get("settings") == settings
                and record.get("status") != NOT_GRADED and self.report_path(record["safe_id"]).is_file())


# ---------------------------------------------------------------- workers

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
    descendants (the sandbox child is a subreaper: what the learner started stays below it)."""
    from grader.sandbox.proctree import descendants, process_table

    needle, me, killed = f"{TOKEN_VAR}={token}".encode(), os.getpid(), set()
    for _ in range(2):  # a second pass catches what forked during the first
        table = process_table()
        holders = []
        for pid in table:
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        holders.append(pid)
            except OSError:
                continue
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


def _portable(catalog):
    """A copy of the catalog that pickles: katas without their imported checks and references."""
    from grader.catalog import Catalog

    return Catalog([dataclasses.replace(k) for k in catalog.katas])


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


# ---------------------------------------------------------------- a class run

@dataclass
class ClassRun:
    root: Path
    out: Path
    settings: dict
    submissions: list[Submission]
    records: dict[str, dict] = field(default_factory=dict)   # submission id -> record
    graded: list[str] = field(default_factory=list)          # ids graded by this run
    skipped: list[str] = field(default_factory=list)         # ids whose stored record was still valid
    interrupted: bool = False
    elapsed_s: float = 0.0
    isolation: str = ""                                      # what learner code ran under, for the record

    @property
    def not_graded(self) -> list[str]:
        return [s.id for s in self.submissions if self.records.get(s.id, {}).get("status") == NOT_GRADED]


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
        fingerprints[sub.id] = fp = fingerprint(sub.path)
        record = None if force else store.load(sub.safe_id)
        if store.is_done(record, fp, settings):
            run.records[sub.id] = record
            run.skipped.append(sub.id)
        else:
            todo.append(sub)
    if progress:
        progress.start(run, todo)

    portable = _portable(catalog)
    limit = wall_limit if wall_limit is not None else default_wall_limit(len(katas), timeout)

    def job(sub: Submission, token: str) -> dict:
        return {"catalog": portable, "submission": sub, "out": str(out), "katas": settings["katas"],
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
        _schedule(todo, max(1, jobs or default_jobs()), limit, job, store, finish, failed)
    except KeyboardInterrupt:
        run.interrupted = True
    run.elapsed_s = time.monotonic() - started
    if not run.interrupted:
        write_outputs(run, store, katas, catalog)
    return run


def _schedule(todo, jobs, limit, job, store, finish, failed) -> None:
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


# ---------------------------------------------------------------- gradebook and summary

def _num(x: float) -> str:
    return f"{round(float(x), 2):g}"


def csv_cell(text: str) -> str:
    """Defuse spreadsheet formulas: a cell starting with = + - @ (or a tab/CR) is prefixed with '."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_csv(run: ClassRun, katas) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", *[k.id for k in katas], "total", "max", "status"])
    for sub in run.submissions:
        rec = run.records[sub.id]
        writer.writerow([csv_cell(sub.id), *[_num(rec["points"].get(k.id, 0)) for k in katas],
                         _num(rec["total"]), _num(rec["max"]), rec["status"]])
    return buf.getvalue()


def _kata_state(record: dict, kata_id: str, result: dict | None) -> str:
    if record["status"] == NOT_GRADED:
        return "not-graded"
    if result is None or kata_id in record.get("missing", []):
        return "missing"
    if result.get("passed"):
        return "passed"
    if kata_id in record.get("stopped", []):
        return "stopped"
    if result.get("status") == "not-implemented":
        return "not-implemented"
    return "failed"


def _first_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def summarize(run: ClassRun, katas) -> dict:
    """The numbers the summary page (and class.json) show."""
    graded = [s for s in run.submissions if run.records[s.id]["status"] != NOT_GRADED]
    per_kata = []
    for kata in katas:
        states = {s: 0 for s in KATA_STATES}
        points, found, stopped = [], {}, []
        for sub in run.submissions:
            rec = run.records[sub.id]
            result = next((k for k in (rec.get("report") or {}).get("katas", []) if k.get("id") == kata.id), None)
            state = _kata_state(rec, kata.id, result)
            states[state] += 1
            if state == "not-graded":
                continue
            points.append(float(rec["points"].get(kata.id, 0)))
            href = f"{REPORTS_DIR}/{sub.safe_id}.html#{kata.id}"
            if state == "stopped":
                stopped.append({"id": sub.id, "href": href, "why": _first_line(result.get("fatal"))})
            seen = set()
            for check in (result or {}).get("checks", []):
                for d in check.get("diagnoses", []):
                    did = d.get("id")
                    if not did or did == "not-implemented" or did in seen:
                        continue
                    seen.add(did)
                    entry = found.setdefault(did, {"id": did, "name": d.get("name") or did, "submissions": []})
                    entry["submissions"].append({"id": sub.id, "href": f"{REPORTS_DIR}/{sub.safe_id}.html"
                                                                       f"#{kata.id}-{check.get('name')}"})
        n = len(points)
        diagnoses = sorted(found.values(), key=lambda d: (-len(d["submissions"]), d["id"]))
        for d in diagnoses:
            d["count"] = len(d["submissions"])
            d["percent"] = 100.0 * d["count"] / n if n else 0.0
        per_kata.append({
            "id": kata.id, "alias": kata.alias, "title": kata.title, "points": float(kata.points),
            "graded": n, "passed": states["passed"], "pass_rate": 100.0 * states["passed"] / n if n else 0.0,
            "mean_points": statistics.fmean(points) if points else 0.0, "states": states,
            "diagnoses": diagnoses, "stopped": stopped,
            "stopped_percent": 100.0 * len(stopped) / n if n else 0.0,
        })
    totals = [float(run.records[s.id]["total"]) for s in graded]
    max_total = sum(float(k.points) for k in katas)
    rows = []
    for sub in run.submissions:
        rec = run.records[sub.id]
        results = {k.get("id"): k for k in (rec.get("report") or {}).get("katas", [])}
        rows.append({
            "id": sub.id, "href": f"{REPORTS_DIR}/{sub.safe_id}.html", "status": rec["status"],
            "total": float(rec["total"]), "max": float(rec["max"]), "error": rec.get("error"),
            "cells": [{"kata": k.id, "points": float(rec["points"].get(k.id, 0)),
                       "max": float(rec["max_points"].get(k.id, k.points)),
                       "state": _kata_state(rec, k.id, results.get(k.id))} for k in katas],
        })
    statuses = {s: sum(run.records[x.id]["status"] == s for x in run.submissions)
                for s in (PASSED, FAILED, ERROR, NOT_GRADED)}
    return {
        "n": len(run.submissions), "n_graded": len(graded), "statuses": statuses,
        "max_total": max_total,
        "mean_total": statistics.fmean(totals) if totals else 0.0,
        "median_total": statistics.median(totals) if totals else 0.0,
        "full_marks": sum(math.isclose(t, max_total) for t in totals),
        "katas": per_kata, "rows": rows,
    }


def render_summary(run: ClassRun, katas, summary: dict) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=_num, pct=lambda x: f"{x:.0f}%")
    return env.get_template("class_summary.html.j2").render(
        run=run, s=summary, settings=run.settings, tool_version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M"), elapsed=format_clock(run.elapsed_s))


def write_outputs(run: ClassRun, store: ResultStore, katas, catalog=None) -> None:
    """The gradebook, the summary page and class.json, from the run's records."""
    summary = summarize(run, katas)
    _write_atomic(run.out / GRADEBOOK, gradebook_csv(run, katas))
    _write_atomic(run.out / SUMMARY, render_summary(run, katas, summary))
    meta = {
        "version": RECORD_VERSION, "tool_version": __version__, "submissions_dir": str(run.root),
        "settings": run.settings, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "elapsed_s": round(run.elapsed_s, 2), "graded_this_run": len(run.graded), "skipped": len(run.skipped),
        "isolation": run.isolation,
        "submissions": summary["n"], "statuses": summary["statuses"],
        "mean_total": round(summary["mean_total"], 2), "max_total": summary["max_total"],
        "katas": [{"id": k["id"], "pass_rate": round(k["pass_rate"], 1), "mean_points": round(k["mean_points"], 2),
                   "states": k["states"],
                   "diagnoses": [{"id": d["id"], "count": d["count"], "percent": round(d["percent"], 1)}
                                 for d in k["diagnoses"]]} for k in summary["katas"]],
    }
    _write_atomic(run.out / RUN_FILE, json.dumps(meta, indent=2) + "\n")


# ---------------------------------------------------------------- progress

def format_clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class ProgressPrinter:
    """Progress on a stream (stderr): one line per finished submission, or on a
    terminal a single line that updates in place (not-graded ones stay on screen)."""

    def __init__(self, stream=None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        if tty is None:
            try:
                tty = self.stream.isatty()
            except (AttributeError, ValueError):
                tty = False
        self.tty = tty
        self.started = time.monotonic()
        self.total = self.done = self.new = self.todo = 0
        self._dirty = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def start(self, run: ClassRun, todo: list) -> None:
        self.started = time.monotonic()
        self.total, self.todo, self.done = len(run.submissions), len(todo), len(run.skipped)
        skipped = f", {len(run.skipped)} already graded" if run.skipped else ""
        self._write(f"grading {len(todo)} of {self.total} submissions{skipped} "
                    f"(seed {run.settings['seed']}, katas {' '.join(run.settings['katas'])})\n")

    def finished(self, run: ClassRun, sub: Submission, record: dict) -> None:
        self.done += 1
        self.new += 1
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.new * (self.todo - self.new)
        width = len(str(self.total))
        head = (f"[{self.done:>{width}}/{self.total}] {format_clock(elapsed)} elapsed, ETA {format_clock(eta)} · ")
        tail = f"{sub.id}: {_num(record['total'])}/{_num(record['max'])} {record['status']}"
        if record["status"] == NOT_GRADED:
            tail += f" ({record.get('error')})"
        if not self.tty:
            self._write(head + tail + "\n")
            return
        import shutil

        columns = max(40, shutil.get_terminal_size((100, 24)).columns - 1)
        line = (head + tail)[:columns]
        if record["status"] == NOT_GRADED:  # keep it on screen
            self._write("\r" + line.ljust(columns) + "\n")
            self._dirty = False
        else:
            self._write("\r" + line.ljust(columns))
            self._dirty = True

    def close(self) -> None:
        if self.tty and self._dirty:
            self._write("\n")
            self._dirty = False


__all__ = ["DEFAULT_SEED", "ClassGradeError", "ClassRun", "ProgressPrinter", "Submission", "discover",
           "fingerprint", "grade_class", "grade_submission", "safe_id", "summarize"]
