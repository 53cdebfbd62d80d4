"""The terminal report (colour only when asked, ASCII marks for terminals without UTF-8),
wrapped on words to the terminal's width."""
from __future__ import annotations

from grader.model.results import GradeReport
from grader.reporting.environment import render_template
from grader.reporting.filters import ASCII, terminal_width


def render(report: GradeReport, facts: dict, *, color: bool = False, ascii: bool = False,
           width: int | None = None) -> str:
    out = render_template("report.txt.j2", "text", report, facts, color=color, width=width or terminal_width())
    return out.translate(ASCII) if ascii else out
