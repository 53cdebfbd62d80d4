"""The wording and the small decisions the report templates use (marks, labels,
plurals, which hint goes with a failure, Markdown escaping). Templates only lay
things out; what they say is decided here, from the results model alone."""
from __future__ import annotations

import re
from dataclasses import replace

from grader.model.diagnoses import Diagnosis
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
ASCII = str.maketrans({"✓": "+", "✗": "x", "—": "-", "·": "|", "…": "..."})


def diagnoses(check: CheckResult) -> list[Diagnosis]:
    """The check's diagnoses as reports show them: named, and with a hint (the
    diagnosis's own level, else the check's)."""
    return [replace(d, name=d.name or d.id, hint=d.hint or check.hint) for d in check.diagnoses]


def hint_levels(check: CheckResult) -> list[int]:
    """The hint levels that go with a check: its diagnoses' (each its own, or the
    check's), else the check's own. A diagnosis knows better which hint helps."""
    found = diagnoses(check)
    levels = [d.hint for d in found] if found else [check.hint]
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
