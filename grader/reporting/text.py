"""The terminal report (colour only when asked, ASCII marks for terminals without UTF-8)."""
from __future__ import annotations

from grader.model.results import GradeReport
from grader.reporting.environment import render_template
from grader.reporting.filters import ASCII


def render(report: GradeReport, facts: dict, *, color: bool = False, ascii: bool = False) -> str:
    out = render_template("report.txt.j2", "text", report, facts, color=color)
    return out.translate(ASCII) if ascii else out
