"""The JSON report (schema version 1, documented in docs/formats.md): the model's own dict."""
from __future__ import annotations

import json

from grader.model.results import GradeReport


def render(report: GradeReport, facts: dict, **_) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"
