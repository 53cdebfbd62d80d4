"""Render a `GradeReport` as text, Markdown, HTML, JSON, JUnit XML or Gradescope JSON.

One results model, many renderers (as in pytest): the JSON form is
`report.to_dict()`; text, Markdown and HTML are Jinja2 templates in
`grader/templates/`; JUnit (`report_junit.py`, built with ElementTree so the
escaping is always right) and Gradescope (`report_gradescope.py`) reuse the
templates' plain-text check body. Templates only lay things out. The wording
and the small decisions (marks, labels, plurals, the reproducer command, which
hint goes with a failure) live here as filters.

What the results do not carry comes from the kata catalog, if `render` is given
one: hint titles, points, and the full list of checks a kata runs.

Jinja2 is imported inside `render` so that `kata --help` and friends start fast.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.results import (
    BROKEN, ERROR, FAIL, FAILED, NOT_IMPLEMENTED, PASS, PASSED, WARN,
    CheckResult, GradeReport, KataResult,
)

FORMATS = ("text", "md", "html", "json", "junit", "gradescope")
DEFAULT_POINTS = 10.0  # a kata's worth when no catalog says otherwise (as in kata.toml)

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


def render(report: GradeReport, fmt: str, *, color: bool = False, ascii: bool = False,
           catalog=None, hints: dict[str, list[str]] | None = None) -> str:
    """Render `report` in one of FORMATS. `color` adds ANSI codes (text only);
    `ascii` replaces the few non-ASCII marks in the text format.

    `catalog` (a `grader.catalog.Catalog`) supplies hint titles, points and each
    kata's full check list; `hints` ({kata_id: [hint titles]}) overrides the titles.
    Without either, reports still render: hints show without titles, every kata is
    worth DEFAULT_POINTS, and only the checks that ran are listed."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    info = _kata_info(report, catalog, hints, with_plan=fmt in ("junit", "gradescope"))
    if fmt in ("junit", "gradescope"):
        from grader import report_gradescope, report_junit

        renderer = report_junit if fmt == "junit" else report_gradescope
        return renderer.render(report, info, _check_text(info))
    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    out = template.render(report=report, color=color and fmt == "text", info=info, **_context(report))
    if fmt == "text" and ascii:
        out = out.translate(_ASCII)
    return out


def preload() -> None:
    """Compile every template now: the grader loads its renderers before any learner
    code runs (see engine.preload_kata)."""
    for fmt, name in _TEMPLATES.items():
        _environment(fmt).get_template(name)
    _environment("text").get_template("_check.txt.j2")
    from grader import report_gradescope, report_junit  # noqa: F401


# ---------------------------------------------------------------- catalog facts

@dataclass
class KataInfo:
    """What a report needs about a kata beyond its results."""
    hint_titles: list[str] = field(default_factory=list)
    points: float = DEFAULT_POINTS
    check_points: dict[str, float] = field(default_factory=dict)
    # (name, title) of every check a complete run reports, in order; None when unknown.
    planned: list[tuple[str, str]] | None = None

    def hint_title(self, level) -> str:
        return self.hint_titles[level - 1] if isinstance(level, int) and 0 < level <= len(self.hint_titles) else ""


def _kata_info(report: GradeReport, catalog, hints, with_plan: bool) -> dict[str, KataInfo]:
    info: dict[str, KataInfo] = {}
    for result in report.katas:
        entry = KataInfo()
        kata = _lookup(catalog, result.id)
        if kata is not None:
            entry.hint_titles = [h.title for h in kata.hints]
            entry.points = float(kata.points)
            entry.check_points = dict(getattr(kata, "check_points", {}) or {})
            if with_plan:
                entry.planned = planned_checks(kata)
        if hints and result.id in hints:
            entry.hint_titles = list(hints[result.id])
        info[result.id] = entry
    return info


def _lookup(catalog, kata_id: str):
    if catalog is None:
        return None
    try:
        return catalog.get(kata_id)
    except KeyError:  # results from another catalog: render them without its facts
        return None


def planned_checks(kata) -> list[tuple[str, str]] | None:
    """Every check a complete run of `kata` reports, so that a run that stopped
    early still lists (and scores) the checks it never reached."""
    try:
        planned = [(c.name, c.title) for c in kata.checks]
    except Exception:  # noqa: BLE001 - a broken checks.py is reported by grading itself
        return None
    # The engine adds this check to every NumPy kata (grader/engine.py); it is not in CHECKS.
    if kata.framework == "numpy" and all(name != "numpy-only" for name, _ in planned):
        planned.append(("numpy-only", "Uses NumPy only"))
    return planned


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

    @jinja2.pass_context
    def hint_title(ctx, kata, level) -> str:
        entry = (ctx.get("info") or {}).get(kata.id)
        return entry.hint_title(level) if entry else ""

    env.filters.update(
        paint=paint,
        hint_title=hint_title,
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
        diagnoses=diagnoses,
        hint_levels=hint_levels,
        comparisons=comparisons,
        other_details=other_details,
    )
    env.tests["waiting"] = waiting
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


def _check_text(info: dict[str, KataInfo]):
    """`text(kata, check, seed)`: a check's facts as plain lines (the text
    template's own macro), for JUnit failure bodies and Gradescope test output."""
    module = _environment("text").get_template("_check.txt.j2").make_module({"color": False, "info": info})

    def text(kata: KataResult, check: CheckResult, seed: int) -> str:
        return str(module.check_body(kata, check, seed, "", True)).strip("\n")
    return text


def not_run_reason(kata: KataResult) -> str:
    """Why a check of the kata's full list is missing from its results."""
    if kata.fatal:
        return f"did not run: {kata.fatal}"
    if kata.status == NOT_IMPLEMENTED:
        return f"did not run: waiting for {', '.join(kata.not_implemented) or 'the stubs'} to be implemented"
    return "did not run"


# ---------------------------------------------------------------- checks

def waiting(check: CheckResult) -> bool:
    """Blocked by a function that is still a stub: not a failure of the learner's code yet."""
    return any(d.get("id") == "not-implemented" for d in check.diagnoses)


def diagnoses(check: CheckResult) -> list[dict]:
    """The check's diagnoses with every key the reports show: id, name, explanation,
    evidence, and hint (the diagnosis's own level, else the check's)."""
    out = []
    for d in check.diagnoses:
        out.append({
            "id": d.get("id") or "?",
            "name": d.get("name") or d.get("id") or "unnamed diagnosis",
            "explanation": d.get("explanation") or "",
            "evidence": d.get("evidence") or "",
            "hint": d.get("hint") or check.hint,
        })
    return out


def hint_levels(check: CheckResult) -> list[int]:
    """The hint levels that go with a check: its diagnoses' (each its own, or the
    check's), else the check's own. A diagnosis knows better which hint helps."""
    found = diagnoses(check)
    levels = [d["hint"] for d in found] if found else [check.hint]
    return list(dict.fromkeys(level for level in levels if level))


_GOT_EXPECTED = re.compile(r"^(?P<where>.*?)\bgot (?P<got>.+?), expected (?P<expected>.+?)(?: \((?P<note>[^()]*)\))?$")
_EXPECTED_GOT = re.compile(r"^(?P<where>.*?)\bexpected (?P<expected>.+?), got (?P<got>.+?)(?: \((?P<note>[^()]*)\))?$")
# "expected shape (3,), got (6,)": the leading word names what is compared.
_WHAT_VALUE = re.compile(r"^(?P<what>[A-Za-z_]\w*) (?P<value>[-+(\[\d].*|inf|nan)$")


def _comparison(line: str) -> dict | None:
    m = _GOT_EXPECTED.match(line) or _EXPECTED_GOT.match(line)
    if m is None:
        return None
    row = {"where": m["where"].strip().rstrip(":").strip(), "expected": m["expected"], "got": m["got"],
           "note": m["note"] or ""}
    what = _WHAT_VALUE.match(row["expected"])
    if what and not row["where"]:
        row["where"], row["expected"] = what["what"], what["value"]
    return row


def comparisons(check: CheckResult) -> list[dict]:
    """The detail lines that say "got X, expected Y" (either order), split into
    {where, expected, got, note} so the HTML report can set them side by side."""
    return [row for row in map(_comparison, check.details) if row is not None]


def other_details(check: CheckResult) -> list[str]:
    return [line for line in check.details if _comparison(line) is None]


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


__all__ = ["FORMATS", "KataInfo", "render", "should_color"]
