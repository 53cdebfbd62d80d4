"""What a class run leaves for the instructor: the gradebook and the summary.

    gradebook.csv    one row per submission: points per kata, total, max, status
    index.html       the class summary: pass rates and the most common diagnoses per kata
    class.json       the run's settings (seed, katas, limits, isolation) and totals
"""
from __future__ import annotations

import csv
import io
import json
import math
import statistics
import time

from grader import __version__
from grader.classroom.classrun import ClassRun
from grader.classroom.progress import format_clock, num
from grader.classroom.records import ERROR, FAILED, NOT_GRADED, PASSED, RECORD_VERSION, REPORTS_DIR, ResultStore
from grader.fsutil import write_atomic

GRADEBOOK, SUMMARY, RUN_FILE = "gradebook.csv", "index.html", "class.json"
# Per kata, in the summary.
KATA_STATES = ("passed", "failed", "not-implemented", "stopped", "missing", "not-graded")


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
        writer.writerow([csv_cell(sub.id), *[num(rec["points"].get(k.id, 0)) for k in katas],
                         num(rec["total"]), num(rec["max"]), rec["status"]])
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
    from grader.reporting.environment import environment

    return environment("html").get_template("class_summary.html.j2").render(
        run=run, s=summary, settings=run.settings, tool_version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M"), elapsed=format_clock(run.elapsed_s))


def write_outputs(run: ClassRun, store: ResultStore, katas, catalog=None) -> None:
    """The gradebook, the summary page and class.json, from the run's records."""
    summary = summarize(run, katas)
    write_atomic(run.out / GRADEBOOK, gradebook_csv(run, katas))
    write_atomic(run.out / SUMMARY, render_summary(run, katas, summary))
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
    write_atomic(run.out / RUN_FILE, json.dumps(meta, indent=2) + "\n")
