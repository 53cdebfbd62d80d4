"""The JSON report (schema version 1, documented in docs/formats.md): the model's own dict,
with each problem's hint title added from the kata's facts."""
from __future__ import annotations

import json

from grader.model.results import GradeReport


def render(report: GradeReport, facts: dict, **_) -> str:
    data = report.to_dict()
    for kata in data["katas"]:
        info = facts.get(kata["id"])
        for problem in kata["problems"]:
            problem["hint_title"] = info.hint_title(problem["hint"]) if info else ""
    return json.dumps(data, indent=2) + "\n"
