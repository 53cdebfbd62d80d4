"""GitHub Markdown: diagnoses as tip boxes, expected against got as a table."""
from __future__ import annotations

from grader.model.results import GradeReport
from grader.reporting.environment import render_template


def render(report: GradeReport, facts: dict, **_) -> str:
    return render_template("report.md.j2", "md", report, facts, color=False)
