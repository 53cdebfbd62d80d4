"""The mock interview's scorecard and history, as text and as one self-contained HTML
page, through the package's one Jinja environment. Like every renderer here it
reads the model only (grader.model.interview).

Templates are compiled by `prepare()` before the interview's code is graded, and
the compiled ones are used afterwards, so learner code that ran as the grader's
user cannot have rewritten what renders its own scorecard.
"""
from __future__ import annotations

import textwrap

from grader.model.interview import VERDICT_SCORE, HistoryPoint, Scorecard
from grader.reporting.environment import environment
from grader.reporting.filters import ASCII

SCORECARD = {"text": "scorecard.txt.j2", "html": "scorecard.html.j2"}
HISTORY = {"text": "interview_history.txt.j2", "html": "interview_history.html.j2"}
FORMATS = tuple(SCORECARD)

VERDICT_MARK = {"strong": "✓", "mixed": "~", "weak": "✗", "not shown": "·"}
VERDICT_STYLE = {"strong": "green", "mixed": "yellow", "weak": "red", "not shown": "dim"}


def clock(seconds) -> str:
    """12:05 for 725 s, 1:02:05 past an hour, "-" for None."""
    if seconds is None:
        return "-"
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def fill(text, indent: str = "", width: int = 92) -> str:
    """Prose filled to `width`, every line indented; blank lines between paragraphs kept."""
    paragraphs = str(text).strip().split("\n\n")
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width, initial_indent=indent, subsequent_indent=indent)
                       for p in paragraphs if p.strip())


def mark(ok) -> str:
    return "✓" if ok is True else ("✗" if ok is False else "·")


def percent(value) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def code_spans(text):
    """HTML: `backticked` spans as <code>, everything else escaped (hints are written that way)."""
    from markupsafe import Markup, escape

    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return escape(text)
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>") + escape(p) + Markup("</code>")
                           for i, p in enumerate(parts))


def short(verdict) -> str:
    """A verdict in a table column: strong, mixed, weak, or - (not shown)."""
    return verdict if verdict in ("strong", "mixed", "weak") else "-"


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n"))


PART_WORD = {"passed": "passed", "failed": "FAILED", "not-implemented": "NOT DONE", "error": "DID NOT RUN"}

HELPERS = dict(part_word=PART_WORD, short=short, code_spans=code_spans, clock=clock, fill=fill, mark=mark, percent=percent, verdict_mark=VERDICT_MARK,
               verdict_style=VERDICT_STYLE, verdict_score=VERDICT_SCORE)


def prepare(kind: str = "scorecard") -> dict:
    """The compiled templates of `kind` ("scorecard" or "history"), by format."""
    names = SCORECARD if kind == "scorecard" else HISTORY
    return {fmt: environment(fmt).get_template(name) for fmt, name in names.items()}


def render_scorecard(card: Scorecard, fmt: str = "text", *, color: bool = False, ascii: bool = False,
                     compiled: dict | None = None) -> str:
    template = (compiled or prepare("scorecard"))[fmt]
    out = template.render(card=card, points=card.history, color=color and fmt == "text", **HELPERS)
    if fmt == "text":
        out = _tidy(out)
    return out.translate(ASCII) if ascii and fmt == "text" else out


def render_history(points: list[HistoryPoint], rows: list[dict], fmt: str = "text", *, color: bool = False,
                   ascii: bool = False) -> str:
    """`points`: the submitted interviews, for the chart; `rows`: every interview's line
    (submitted and abandoned), as `kata interview history` lists them."""
    out = prepare("history")[fmt].render(points=points, rows=rows, color=color and fmt == "text", **HELPERS)
    if fmt == "text":
        out = _tidy(out)
    return out.translate(ASCII) if ascii and fmt == "text" else out
