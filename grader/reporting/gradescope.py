"""Gradescope's `results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One Gradescope test per check. A kata is worth its `points` (kata.toml); a check
listed in the kata's `[check_points]` is worth that much, and the checks not
listed share the rest evenly, in whole cents so the parts add up exactly. A
passed or warned check scores its full points, anything else 0.

The points are split over the kata's full check list (from the catalog), not
over the checks that happened to run, so a run that stopped early still has the
same maximum, with the checks it never reached scoring 0. Checks that are not
on that list (the engine's "load" or "functions" when the file cannot be
imported) carry no points: they are there to say why everything else scored 0.

The spec has no top-level maximum (Gradescope takes it from the assignment's
settings), so the total possible is in the summary text and in `extra_data`.
A kata's problems (each diagnosis once) lead the summary text; a test that one
explains names it in one line, and lists its diagnosis ids in `extra_data`.
"""
from __future__ import annotations

import json

from grader.model.results import FAILED, PASS, GradeReport, KataResult
from grader.model.scoring import check_worth
from grader.reporting.environment import check_text as check_text_for
from grader.reporting.environment import problems_text as problems_text_for
from grader.reporting.filters import problem_summary

VISIBILITY = "visible"           # learners see their results at once: this is practice
STDOUT_VISIBILITY = "hidden"     # run_autograder's own log is for the course staff


def _tests(kata: KataResult, number: int, facts, check_text, seed: int) -> list[dict]:
    planned = facts.planned or [(c.name, c.title) for c in kata.checks]
    worth = check_worth(kata, facts)
    by_name = {c.name: c for c in kata.checks}
    tests = []

    def output(c) -> str:
        head = f"{c.status.value.upper()}: {c.message}"
        return head if c.status == PASS else f"{head}\n{check_text(kata, c, seed)}".rstrip()

    def add(name: str, title: str, score: float, max_score: float, passed: bool, text: str, **extra):
        tests.append({
            "name": f"{kata.id} · {title}", "number": f"{number}.{len(tests) + 1}",
            "score": score, "max_score": max_score, "status": "passed" if passed else "failed",
            "output": text, "visibility": VISIBILITY,
            "extra_data": {"kata": kata.id, "check": name, **extra},
        })

    for name, title in planned:
        c = by_name.get(name)
        if c is None:
            add(name, title, 0.0, worth[name], False, kata.not_run_reason(), status="not-run")
            continue
        add(name, c.title, worth[name] if c.ok else 0.0, worth[name], c.ok, output(c), status=c.status.value,
            diagnoses=[d.id for d in c.diagnoses])
    for c in kata.checks:
        if c.name not in worth:  # why nothing else ran: worth no points of its own
            add(c.name, c.title, 0.0, 0.0, c.ok, output(c), status=c.status.value,
                diagnoses=[d.id for d in c.diagnoses])
    if not planned:  # nothing ran and the check list is unknown: one test carries the kata's points
        add("grading", "grading stopped", 0.0, facts.points, False, kata.fatal or "no checks ran", status="error")
    return tests


def _summary(report: GradeReport, tests_by_kata: list[list[dict]], problems_text) -> str:
    score = sum(t["score"] for tests in tests_by_kata for t in tests)
    possible = sum(t["max_score"] for tests in tests_by_kata for t in tests)
    lines = [f"{sum(k.passed for k in report.katas)} of {len(report.katas)} katas passed · "
             f"{score:g} of {possible:g} points · seed {report.seed}"
             + (f" · isolation: {report.isolation}" if report.isolation else "")]
    for kata, tests in zip(report.katas, tests_by_kata):
        got, of = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
        lines.append(f"  {kata.id} {kata.title}: {kata.status.value}, {got:g}/{of:g} points"
                     + (f" · {problem_summary(kata)}" if kata.problems else ""))
    failing = [k.id for k in report.katas if k.status == FAILED]  # a stub's result does not depend on the seed
    if failing:
        lines.append(f"Rerun the same hidden cases locally: kata grade {' '.join(failing)} --seed {report.seed}")
    for kata in report.katas:  # each problem once, before the tests that it explains
        if kata.problems:
            lines += ["", f"{kata.id}: {problem_summary(kata)}", problems_text(kata)]
    for kata in report.katas:
        if kata.output or kata.output_truncated_bytes:
            lines += ["", f"{kata.id}: your code printed:", kata.output.rstrip("\n")]
            if kata.output_truncated_bytes:
                lines.append(f"... {kata.output_truncated_bytes} more bytes not shown")
    return "\n".join(lines)


def render(report: GradeReport, facts: dict, **_) -> str:
    check_text = check_text_for(facts)
    tests_by_kata = [_tests(k, i, facts[k.id], check_text, report.seed) for i, k in enumerate(report.katas, 1)]
    tests = [t for group in tests_by_kata for t in group]
    results = {
        "score": round(sum(t["score"] for t in tests), 2),
        "output": _summary(report, tests_by_kata, problems_text_for(facts)),
        "visibility": VISIBILITY,
        "stdout_visibility": STDOUT_VISIBILITY,
        "tests": tests,
        "extra_data": {"max_score": round(sum(t["max_score"] for t in tests), 2), "seed": report.seed,
                       "passed": report.passed, "tool_version": report.tool_version,
                       "isolation": report.isolation},
    }
    return json.dumps(results, indent=2, ensure_ascii=False) + "\n"
