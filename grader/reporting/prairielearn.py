"""PrairieLearn's external-grader `results.json` (the format `<pl-external-grader-results>` renders).

    {"gradable": true, "score": 0.0..1.0, "message": "...", "output": "...",
     "tests": [{"name", "description", "points", "max_points", "message", "output"}]}

One test per check, worth what it is worth in Gradescope's results (`kata.toml`'s
`points`, split over the kata's full check list unless `[check_points]` names
some); a warning scores as a pass; a check that never ran scores 0 and says why.
`score` is the points scored over the points possible. The submission is
`gradable: false` only when the grader itself failed in some kata (a sandbox
that did not start, a bug in a check): PrairieLearn then charges the student no
attempt. A file that does not load is graded, as in every other format.
"""
from __future__ import annotations

import json

from grader.model.results import FAILED, PASS, GradeReport, KataResult
from grader.model.scoring import check_worth
from grader.reporting.environment import check_text as check_text_for
from grader.reporting.environment import problems_text as problems_text_for
from grader.reporting.filters import problem_summary

OUTPUT_LIMIT = 200_000   # characters of learner output kept: results.json must stay under 1 MB


def _tests(kata: KataResult, facts, check_text, seed: int) -> list[dict]:
    planned = facts.planned or [(c.name, c.title) for c in kata.checks]
    worth = check_worth(kata, facts)
    by_name = {c.name: c for c in kata.checks}
    tests = []

    def add(title: str, points: float, max_points: float, message: str, output: str) -> None:
        tests.append({"name": f"{kata.id} · {title}", "description": f"{kata.title} ({kata.alias})",
                      "points": round(points, 2), "max_points": round(max_points, 2),
                      "message": message, "output": output})

    def body(c) -> str:
        return "" if c.status == PASS else check_text(kata, c, seed).rstrip()

    for name, title in planned:
        c = by_name.get(name)
        if c is None:
            add(title, 0.0, worth[name], kata.not_run_reason(), "")
            continue
        add(c.title, worth[name] if c.ok else 0.0, worth[name], f"{c.status.value.upper()}: {c.message}", body(c))
    for c in kata.checks:
        if c.name not in worth:  # why nothing else ran: no points of its own
            add(c.title, 0.0, 0.0, f"{c.status.value.upper()}: {c.message}", body(c))
    if not planned:
        add("grading stopped", 0.0, facts.points, kata.fatal or "no checks ran", "")
    return tests


def render(report: GradeReport, facts: dict, **_) -> str:
    check_text = check_text_for(facts)
    groups = [_tests(k, facts[k.id], check_text, report.seed) for k in report.katas]
    tests = [t for g in groups for t in g]
    scored, possible = sum(t["points"] for t in tests), sum(t["max_points"] for t in tests)
    lines = [f"{sum(k.passed for k in report.katas)} of {len(report.katas)} katas passed · {scored:g} of "
             f"{possible:g} points · seed {report.seed}"]
    for kata, group in zip(report.katas, groups):
        lines.append(f"{kata.id} {kata.title}: {kata.status.value}, "
                     f"{sum(t['points'] for t in group):g}/{sum(t['max_points'] for t in group):g} points"
                     + (f" · {problem_summary(kata)}" if kata.problems else ""))
    failing = [k.id for k in report.katas if k.status == FAILED]
    if failing:
        lines.append(f"Rerun the same hidden cases locally: kata grade {' '.join(failing)} --seed {report.seed}")
    problems_text = problems_text_for(facts)
    for kata in report.katas:  # each problem once, before the tests that it explains
        if kata.problems:
            lines += ["", f"{kata.id}: {problem_summary(kata)}", problems_text(kata)]
    output = []
    for kata in report.katas:
        if kata.output or kata.output_truncated_bytes:
            output += [f"{kata.id}: your code printed:", kata.output.rstrip("\n")]
            if kata.output_truncated_bytes:
                output.append(f"... {kata.output_truncated_bytes} more bytes not shown")
    internal = [k.id for k in report.katas if k.internal]
    results = {
        "gradable": not internal,
        "score": round(scored / possible, 4) if possible else 0.0,
        "message": "\n".join(lines),
        "output": "\n".join(output)[:OUTPUT_LIMIT],
        "tests": tests,
        "extra_data": {"points": round(scored, 2), "max_points": round(possible, 2), "seed": report.seed,
                       "passed": report.passed, "tool_version": report.tool_version,
                       "isolation": report.isolation},
    }
    if internal:
        results["format_errors"] = [f"the grader itself failed in {', '.join(internal)}; this is not a verdict "
                                    "on your code, and costs you no attempt"]
    return json.dumps(results, indent=2, ensure_ascii=False) + "\n"
