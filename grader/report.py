"""Render a `GradeReport` as text, Markdown, HTML or JSON.

One results model, many renderers (as in pytest): the JSON form is
`report.to_dict()`; the others are Jinja2 templates in `grader/templates/`.
Templates only lay things out. The wording and the small decisions (marks,
labels, plurals, the reproducer command) live here as filters and globals.

Jinja2 is imported inside `render` so that `kata --help` and friends start fast.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from grader.results import (
    BROKEN, ERROR, FAIL, FAILED, NOT_IMPLEMENTED, PASS, PASSED, WARN,
    GradeReport, KataResult,
)

FORMATS = ("text", "md", "html", "json")

_TEMPLATES = {"text": "report.txt.j2", "md": "report.md.j2", "html": "report.html.j2"}
_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

_ANSI = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}

# Per check status: terminal mark, Markdown emoji, word, colour.
_MARK = {PASS: "✓", FAIL: "✗", WARN: "!", ERROR: "E"}
_EMOJI = {PASS: "✅", FAIL: "❌", WARN: "⚠️", ERROR: "💥"}
_WORD = {PASS: "pass", FAIL: "fail", WARN: "warn", ERROR: "error"}
_STYLE = {PASS: "green", FAIL: "red", WARN: "yellow", ERROR: "red"}

# Per kata status.
_KATA_WORD = {PASSED: "PASSED", FAILED: "FAILED", NOT_IMPLEMENTED: "NOT IMPLEMENTED", BROKEN: "ERROR"}
_KATA_STYLE = {PASSED: "green", FAILED: "red", NOT_IMPLEMENTED: "yellow", BROKEN: "red"}
_KATA_EMOJI = {PASSED: "✅", FAILED: "❌", NOT_IMPLEMENTED: "🚧", BROKEN: "💥"}

# For terminals that cannot encode the marks above (render(..., ascii=True)).
_ASCII = str.maketrans({"✓": "+", "✗": "x", "—": "-", "·": "|", "…": "..."})


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


def render(report: GradeReport, fmt: str, *, color: bool = False, ascii: bool = False) -> str:
    """Render `report` in one of FORMATS. `color` adds ANSI codes (text only);
    `ascii` replaces the few non-ASCII marks in the text format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    out = template.render(report=report, color=color and fmt == "text", **_context(report))
    if fmt == "text" and ascii:
        out = out.translate(_ASCII)
    return out


# ---------------------------------------------------------------- environment

_ENVIRONMENTS: dict = {}


def _environment(fmt: str):
    env = _ENVIRONMENTS.get(fmt)
    if env is not None:
        return env
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATE_DIR)),
        autoescape=(fmt == "html"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    @jinja2.pass_context
    def paint(ctx, text, *styles: str) -> str:
        text = str(text)
        if not ctx.get("color") or not text:
            return text
        codes = ";".join(_ANSI[s] for s in styles if s)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    env.filters.update(
        paint=paint,
        mark=lambda status: _MARK.get(status, "?"),
        emoji=lambda status: _EMOJI.get(status, "❔"),
        word=lambda status: _WORD.get(status, status),
        style=lambda status: _STYLE.get(status, "bold"),
        kata_word=lambda kata: _KATA_WORD.get(kata.status, kata.status.upper()),
        kata_style=lambda kata: _KATA_STYLE.get(kata.status, "bold"),
        kata_emoji=lambda kata: _KATA_EMOJI.get(kata.status, "❔"),
        tally=tally,
        plural=plural,
        pad=lambda text, width: str(text).ljust(width),
        title_width=lambda kata: min(40, max((len(c.title) for c in kata.checks), default=0)),
        indent_lines=indent_lines,
        md_cell=md_cell,
        md_code=md_code,
        md_fence=md_fence,
        learner_file=learner_file,
        reproduce=lambda kata, seed: f"kata grade {kata.id} --seed {seed}",
        hint_command=lambda kata, level: f"kata hint {kata.id} --level {level}",
        problems=lambda kata: [c for c in kata.checks if c.status != PASS],
    )
    _ENVIRONMENTS[fmt] = env
    return env


def _context(report: GradeReport) -> dict:
    """Numbers the templates need more than once."""
    checks = [c for k in report.katas for c in k.checks]
    counts = {s: sum(c.status == s for c in checks) for s in (PASS, FAIL, WARN, ERROR)}
    # Checks blocked by a function that is still a stub are "waiting", not errors.
    counts["waiting"] = sum(any(d.get("id") == "not-implemented" for d in c.diagnoses) for c in checks)
    counts[ERROR] -= counts["waiting"]
    return {
        "n_katas": len(report.katas),
        "n_passed": sum(k.passed for k in report.katas),
        "n_checks": len(checks),
        "check_counts": counts,
        # Katas whose outcome depends on the inputs: worth rerunning with the same seed.
        "to_rerun": [k for k in report.katas if k.status == FAILED],
        "id_width": max((len(k.id) for k in report.katas), default=0),
        "alias_width": max((len(k.alias) for k in report.katas), default=0),
    }


# ---------------------------------------------------------------- helpers

def plural(n: int, word: str, many: str | None = None) -> str:
    """`plural(1, "check")` -> "1 check"; `plural(3, "check")` -> "3 checks"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tally(kata: KataResult) -> str:
    """The bracketed part of a kata headline, e.g. "9/9 checks" or "3 of 9 checks failed"."""
    counts = kata.counts()
    total = len(kata.checks)
    if kata.status == BROKEN or total == 0:
        return "no checks ran"
    if kata.status == NOT_IMPLEMENTED:
        done = counts[PASS] + counts[WARN]
        return f"{done} of {plural(total, 'check')} pass so far" if done else plural(total, "check") + " waiting"
    if kata.passed:
        s = f"{counts[PASS] + counts[WARN]}/{plural(total, 'check')}"
        return s + (f", {plural(counts[WARN], 'warning')}" if counts[WARN] else "")
    bad = counts[FAIL] + counts[ERROR]
    s = f"{bad} of {plural(total, 'check')} failed"
    return s + (f", {plural(counts[ERROR], 'error')}" if counts[ERROR] and counts[FAIL] else "")


def learner_file(kata: KataResult) -> str:
    return kata.learner_file or f"the file for {kata.id}"


def indent_lines(text: str, prefix: str = "    ") -> str:
    """Prefix every line (jinja's `indent` skips the first and keeps blank-line rules awkward)."""
    return "\n".join(prefix + line for line in str(text).rstrip("\n").split("\n"))


def md_cell(text) -> str:
    """Make text safe inside a GFM table cell: one line, pipes and angle brackets escaped."""
    text = " ".join(str(text).split())
    return (text.replace("\\", "\\\\").replace("|", "\\|")
            .replace("<", "&lt;").replace(">", "&gt;"))


def md_code(text) -> str:
    """An inline code span that survives backticks in the text. Not for table cells (pipes)."""
    text = " ".join(str(text).split())
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(text) -> str:
    """A fenced code block longer than any backtick run inside `text`."""
    text = str(text).rstrip("\n")
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


__all__ = ["FORMATS", "render", "should_color"]
