"""One submission's grade as it is stored: the record (points per kata, status,
the full report) and the results folder that keeps them between runs.

    results/<safe-id>.json   one record per submission, written atomically when it is done
    reports/<safe-id>.html   the submission's own HTML report
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from grader import __version__
from grader.classroom.submissions import Submission
from grader.fsutil import write_atomic
from grader.grading.session import GradingSession, isolation_label, kata_facts
from grader.model.results import GradeReport, KataResult
from grader.model.scoring import kata_points

RECORD_VERSION = 1
RESULTS_DIR, REPORTS_DIR = "results", "reports"

# Submission statuses (gradebook "status" column).
PASSED = "passed"          # every graded kata passed
FAILED = "failed"          # graded; some kata did not pass
ERROR = "error"            # graded; the code crashed, hung, ran out of memory or did not load in some kata
NOT_GRADED = "not-graded"  # grading itself failed (the worker died or overran); retried on the next run


def _record(sub: Submission, katas, report: GradeReport, status: str, error: str | None, missing, stopped,
            duration: float) -> dict:
    """The stored record of a graded (or not graded) submission."""
    points, possible = {}, {}
    for kata, result in zip(katas, report.katas):
        points[kata.id], possible[kata.id] = kata_points(result, kata_facts(kata))
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
    return record


def grade_submission(sub: Submission, katas, seed: int, timeout: float, memory_mb: int, catalog=None):
    """Grade every kata of one submission (read-only). Returns (record, html report)."""
    started = time.monotonic()
    session = GradingSession(catalog, sub.path, seed, timeout, memory_mb, record=False, label=sub.id, warm=True)
    missing = [k.id for k in katas if not (sub.path / k.learner_file).is_file()]
    report = session.grade(katas)
    results = report.katas
    stopped = [r.id for r in results if r.fatal and r.id not in missing]
    passed = bool(results) and all(r.passed for r in results)
    status, error = PASSED if passed else (ERROR if stopped else FAILED), None
    # The grader's own failure (say, a sandbox that did not start on an overloaded machine) is not the
    # submission's: it is not graded yet, and the next run tries again.
    internal = [r.id for r in results if r.internal]
    if internal:
        status, error = NOT_GRADED, f"internal grader error in {', '.join(internal)} (see the report)"
    record = _record(sub, katas, report, status, error, missing, stopped, time.monotonic() - started)
    return record, session.render(report, "html")


def not_graded(sub: Submission, katas, seed: int, why: str, catalog=None, duration: float = 0.0):
    """The record (and report) of a submission whose grading failed: every kata 0 points, with the reason."""
    message = f"this submission could not be graded: {why}. It will be graded again."
    results = [KataResult(kata.id, kata.alias, kata.title, kata.learner_file, kata.source, fatal=message)
               for kata in katas]
    report = GradeReport(results, seed, sub.id, False, __version__, isolation_label())
    record = _record(sub, katas, report, NOT_GRADED, why, [], [], duration)
    return record, GradingSession(catalog, sub.path, seed, record=False).render(report, "html")


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
            write_atomic(self.report_path(safe), html)
        write_atomic(self.result_path(safe), json.dumps(record, indent=1, ensure_ascii=False) + "\n")

    def is_done(self, record: dict | None, fp: str, settings: dict) -> bool:
        return (record is not None and record.get("fingerprint") == fp and record.get("settings") == settings
                and record.get("status") != NOT_GRADED and self.report_path(record["safe_id"]).is_file())
