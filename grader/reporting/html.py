"""One self-contained HTML page (inline CSS, no scripts, no network)."""
from __future__ import annotations

from grader.model.results import GradeReport
from grader.reporting.environment import render_template


def render(report: GradeReport, facts: dict, **_) -> str:
    return render_template("report.html.j2", "html", report, facts, color=False)
