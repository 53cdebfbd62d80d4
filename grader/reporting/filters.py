"""The wording and the small decisions the report templates use (marks, labels,
plurals, which hint goes with a failure, Markdown escaping). Templates only lay
things out; what they say is decided here, from the results model alone."""
from __future__ import annotations

import re
from dataclasses import replace

from grader.model import problems
from grader.model.diagnoses import Diagnosis
from grader.model.facts import KataFacts
from grader.model.problems import Problem
from grader.model.results import (BROKEN, ERROR, FAIL, FAILED, NOT_IMPLEMENTED, PASS, PASSED, WARN, CheckResult,
                                  KataResult)

ANSI = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}

# Per check status: terminal mark, Markdown emoji, word, colour.
MARK = {PASS: "✓", FAIL: "✗", WARN: "!", ERROR: "E"}
EMOJI = {PASS: "✅", FAIL: "❌", WARN: "⚠️", ERROR: "💥"}
WORD = {PASS: "pass", FAIL: "fail", WARN: "warn", ERROR: "error"}
STYLE = {PASS: "green", FAIL: "red", WARN: "yellow", ERROR: "red"}

# Per kata status.
KATA_WORD = {PASSED: "PASSED", FAILED: "FAILED", NOT_IMPLEMENTED: "NOT IMPLEMENTED", BROKEN: "ERROR"}
KATA_STYLE = {PASSED: "green", FAILED: "red", NOT_IMPLEMENTED: "yellow", BROKEN: "red"}
KATA_EMOJI = {PASSED: "✅", FAILED: "❌", NOT_IMPLEMENTED: "🚧", BROKEN: "💥"}

# For terminals that cannot encode the marks above (render(..., ascii=True)).
ASCII = str.maketrans({"✓": "+", "✗": "x", "—": "-", "·": "|", "…": "...", "→": "->"})


def diagnoses(check: CheckResult) -> list[Diagnosis]:
    """The check's diagnoses as reports show them: named, each with the hint its kata
    links to it (or none: a diagnosis never borrows the check's hint)."""
    return [replace(d, name=d.name or d.id) for d in check.diagnoses]


def hint_levels(check: CheckResult) -> list[int]:
    """The hint levels that go with a check: those its diagnoses link; for a plain
    failure of the check's own subject, the check's hint; for an exception of the
    learner's code, none (its traceback is the lead)."""
    return problems.hint_levels(check)


def kata_problems(kata: KataResult) -> list[Problem]:
    """The learner's bugs in `kata`, each diagnosis once, numbered."""
    return kata.problems


def explained_by(kata: KataResult, check: CheckResult) -> list[Problem]:
    """The problems of `kata` that explain `check` (empty for a check that passed or
    that no diagnosis explains)."""
    return problems.explaining(kata.problems, check) if problems.failing(check) else []


def shown_diagnoses(kata: KataResult, check: CheckResult) -> list[Diagnosis]:
    """The diagnoses a check shows itself: those no problem of the kata already shows
    (a warning's own, say). A diagnosis is printed once per report."""
    ids = {p.id for p in kata.problems}
    return [d for d in diagnoses(check) if d.id not in ids and d.id not in problems.NOT_A_BUG]


def unexplained(kata: KataResult) -> list[CheckResult]:
    return problems.unexplained(kata.checks, kata.problems)


def problem_summary(kata: KataResult) -> str:
    """ "2 problems found: Missing 1/B; Bias gradient kept as (1, n)" (and the failing
    checks no problem explains), or "" when the kata has no named problem."""
    found = kata.problems
    others = len(unexplained(kata))
    if not found:
        return ""
    text = f"{plural(len(found), 'problem')} found: " + "; ".join(p.name for p in found)
    if others:
        text += f" + {plural(others, 'other failing check')}"
    return text


def learner_exception(check: CheckResult) -> bool:
    return problems.learner_exception(check)


def same_failure_as(kata: KataResult, check: CheckResult) -> CheckResult | None:
    """An earlier check of `kata` that failed with exactly the same words (one exception
    of the learner's code that every check calling that function runs into, and no
    diagnosis to group it): its traceback is shown there once."""
    if not learner_exception(check) or check.diagnoses:
        return None
    for earlier in kata.checks:
        if earlier is check:
            return None
        if (learner_exception(earlier) and not earlier.diagnoses and earlier.message == check.message
                and earlier.details == check.details):
            return earlier
    return None


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


def plural(n: int, word: str, many: str | None = None) -> str:
    """`plural(1, "check")` -> "1 check"; `plural(3, "check")` -> "3 checks"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tally(kata: KataResult, facts: KataFacts | None = None) -> str:
    """The check counts of a kata headline, e.g. "9/9 checks" or "3 of 9 checks failed".
    A stub's checks mostly never run: they are counted from the kata's full list."""
    counts = kata.counts()
    total = len(kata.checks)
    if kata.status == BROKEN or total == 0:
        return "no checks ran"
    if kata.status == NOT_IMPLEMENTED:
        done = counts[PASS] + counts[WARN]
        ran = {c.name for c in kata.checks}
        planned = total + sum(name not in ran for name, _ in (facts.planned if facts is not None and facts.planned
                                                              else []))
        return f"{done} of {plural(planned, 'check')} pass so far" if done else plural(planned, "check") + " waiting"
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


# ------------------------------------------------------------------ wrapping for the terminal

DEFAULT_WIDTH = 100   # when the terminal's width is unknown (piped, CI)
MIN_WIDTH = 40


NBSP = "\u00a0"  # textwrap breaks only at ASCII whitespace
_CODE_SPAN = re.compile(r"`([^`]+)`")


def terminal_width() -> int:
    import shutil

    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def wrap_parts(parts, width: int | None, indent: int = 0, hang: int | None = None, color: bool = False) -> str:
    """One logical line, made of `parts` (plain strings, or (text, "style style")
    pairs), wrapped on words to `width` with a hanging indent: the first line starts
    after `indent` spaces, the rest after `hang`. Words and paths are never broken
    (a word longer than the line stays whole); styles survive the wrapping. No
    `width` leaves the line as it is."""
    import textwrap

    pieces = [(p, ()) if isinstance(p, str) else (str(p[0]), tuple(str(p[1]).split())) for p in parts]
    # A `command` is one word to the wrapper: its spaces become no-break spaces until the end.
    pieces = [(_CODE_SPAN.sub(lambda m: m.group().replace(" ", NBSP), text), style) for text, style in pieces]
    plain = "".join(text for text, _ in pieces)
    styles: list[tuple] = []
    for text, style in pieces:
        styles += [style] * len(text)
    hang = indent if hang is None else hang
    first, rest = " " * indent, " " * hang
    if width and len(first) + len(plain) > width:
        wrapper = textwrap.TextWrapper(width=width, initial_indent=first, subsequent_indent=rest,
                                       break_long_words=False, break_on_hyphens=False)
        lines = wrapper.wrap(plain) or [first]
    else:
        lines = [first + plain]
    if not color:
        return "\n".join(lines).replace(NBSP, " ")
    out, cursor = [], 0
    for n, line in enumerate(lines):
        prefix = first if n == 0 else rest
        content = line[len(prefix):]
        start = plain.find(content, cursor)
        if start < 0:  # cannot happen with whole words; keep the text rather than the colour
            out.append(line)
            continue
        cursor = start + len(content)
        out.append(prefix + _paint_range(content, styles[start:cursor]))
    return "\n".join(out).replace(NBSP, " ")


def _paint_range(text: str, styles: list[tuple]) -> str:
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and styles[j] == styles[i]:
            j += 1
        codes = ";".join(ANSI[s] for s in styles[i] if s in ANSI)
        out.append(f"\x1b[{codes}m{text[i:j]}\x1b[0m" if codes else text[i:j])
        i = j
    return "".join(out)


# ------------------------------------------------------------------ what to do next

def next_step(report, facts: dict[str, KataFacts], reproduce_command=None) -> str:
    """The one command (or action) most worth doing after this grade: the hint of
    the first problem, fixing a crash, filling in a stub, or on a pass the next kata."""
    for kata in report.katas:
        if kata.passed:
            continue
        if kata.status == NOT_IMPLEMENTED:
            functions = ", ".join(kata.not_implemented) or "the stubs"
            return f"fill in {functions} in {learner_file(kata)}, then run `kata grade {kata.id}`"
        if kata.status == BROKEN or (kata.fatal and not any(problems.failing(c) and c.diagnoses
                                                            for c in kata.checks)):
            return f"fix the error above in {learner_file(kata)}, then run `kata grade {kata.id}`"
        info = facts.get(kata.id) or KataFacts()
        for p in kata.problems:
            if p.hint:
                return _hint_step(kata, p.hint, info)
        for c in unexplained(kata):
            if learner_exception(c):
                return (f"your code raised an exception: the traceback under \"{c.title}\" shows the line "
                        f"in {learner_file(kata)}; fix it, then run `kata grade {kata.id}`")
            levels = hint_levels(c)
            if levels:
                return _hint_step(kata, levels[0], info)
        return f"read `kata explain {kata.id}`, fix what the report shows, then run `kata grade {kata.id}`"
    if not report.katas:
        return ""
    last = facts.get(report.katas[-1].id) or KataFacts()
    if last.next_kata:
        kid, title = last.next_kata
        return f"on to {kid}, {title}: `kata show {kid}`"
    return "that was the last kata: rehearse the onsite with `kata interview`"


def _hint_step(kata: KataResult, level: int, info: KataFacts) -> str:
    title = info.hint_title(level)
    return f"`kata hint {kata.id} --level {level}`" + (f" ({title})" if title else "")


def html_commands(text: str):
    """`text` escaped for HTML, with its `backticked` commands set as command chips."""
    from markupsafe import Markup, escape

    return Markup(_CODE_SPAN.sub(lambda m: f'<code class="cmd">{m.group(1)}</code>', str(escape(text))))
