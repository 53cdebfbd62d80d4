"""Render a `GradeReport`: one results model, many renderers (as in pytest).

`FORMATS` maps each format name to the module that renders it; a new format is
one module with `render(report, facts, **options) -> str` plus one entry here.
Renderers read the model only (grader.model): what they need to know about a kata
beyond its results (hint titles, points, its full check list) comes in `facts`,
found by the grading layer. Modules are imported on use, so `kata --help` (which
lists the format names) loads none of them, nor Jinja2.
"""
from __future__ import annotations

import importlib
import os

from grader.model.facts import KataFacts
from grader.model.results import GradeReport

FORMATS = {
    "text": "grader.reporting.text",
    "md": "grader.reporting.markdown",
    "html": "grader.reporting.html",
    "json": "grader.reporting.json_report",
    "junit": "grader.reporting.junit",
    "gradescope": "grader.reporting.gradescope",
    "prairielearn": "grader.reporting.prairielearn",
}


def should_color(stream) -> bool:
    """Colour only on a real terminal, and never when NO_COLOR is set or TERM=dumb."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


def render(report: GradeReport, fmt: str, *, facts: dict[str, KataFacts] | None = None, color: bool = False,
           ascii: bool = False, width: int | None = None) -> str:
    """Render `report` in one of FORMATS. `color` adds ANSI codes, `ascii` replaces
    the few non-ASCII marks and `width` is the column the text wraps at (text only;
    default: the terminal's width, else 100). Without `facts`, reports still render:
    hints show without titles, every kata is worth the default points, and only the
    checks that ran are listed."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    facts = {k.id: (facts or {}).get(k.id) or KataFacts() for k in report.katas}
    return importlib.import_module(FORMATS[fmt]).render(report, facts, color=color, ascii=ascii, width=width)


def preload() -> None:
    """Import every renderer and compile every template now (before learner code runs)."""
    from grader.reporting.environment import environment

    for module in FORMATS.values():
        importlib.import_module(module)
    for fmt, name in (("text", "report.txt.j2"), ("md", "report.md.j2"), ("html", "report.html.j2"),
                      ("text", "_check.txt.j2"), ("html", "class_summary.html.j2")):
        environment(fmt).get_template(name)


__all__ = ["FORMATS", "preload", "render", "should_color"]
