"""JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters).

One <testsuite> per kata, one <testcase classname="kata.<id>" name="<check>">
per check: <failure> for fail, <error> for error, <skipped> for a check that is
waiting for a stub to be filled in or never ran because grading stopped, and a
warning passes with a "warning" property and the details in <system-out>.

Built with ElementTree, never a text template, so escaping is always right; the
characters XML 1.0 forbids (learner output may contain any control character)
are removed first, because no escaping can represent them.

A kata's problems (each diagnosis once) are the suite's "problems" property and
lead its <system-out>; a failure a problem explains names it in one line.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.model.results import ERROR, FAIL, WARN, GradeReport
from grader.reporting.environment import check_text as check_text_for
from grader.reporting.environment import problems_text as problems_text_for
from grader.reporting.environment import reproduce
from grader.reporting.filters import problem_summary

# Everything outside XML 1.0's Char production: C0 controls other than tab/LF/CR,
# lone surrogates, and U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text) -> str:
    return _FORBIDDEN.sub("", str(text))


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items() if v is not None})
    if text:
        node.text = xml_safe(text)
    return node


def render(report: GradeReport, facts: dict, **_) -> str:
    check_text = check_text_for(facts)
    problems_text = problems_text_for(facts)
    root = ET.Element("testsuites", name="backprop-katas")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for kata in report.katas:
        counts = dict.fromkeys(totals, 0)
        suite = _el(root, "testsuite", name=kata.id, time=f"{kata.duration_s:.3f}")
        props = _el(suite, "properties")
        for key, value in (("alias", kata.alias), ("title", kata.title), ("status", kata.status.value),
                           ("learner_file", kata.learner_file), ("seed", report.seed),
                           ("reproduce", reproduce(kata, report.seed)),
                           ("isolation", report.isolation), ("problems", problem_summary(kata) or None)):
            if value is not None:
                _el(props, "property", name=key, value=value)

        def case(name: str) -> ET.Element:
            counts["tests"] += 1
            return _el(suite, "testcase", classname=f"kata.{kata.id}", name=name)

        for c in kata.checks:
            tc = case(c.name)
            body = f"{c.title}\n{c.message}\n{check_text(kata, c, report.seed)}".rstrip()
            if c.waiting:
                counts["skipped"] += 1
                _el(tc, "skipped", message=c.message)
            elif c.status == FAIL:
                counts["failures"] += 1
                _el(tc, "failure", body, message=c.message, type="fail")
            elif c.status == ERROR:
                counts["errors"] += 1
                _el(tc, "error", body, message=c.message, type="error")
            elif c.status == WARN:
                _el(_el(tc, "properties"), "property", name="warning", value=c.message)
                _el(tc, "system-out", "warning: " + body)
        # Checks that a complete run has but this one never reached, so CI sees a stable test list.
        ran = {c.name for c in kata.checks}
        for name, title in (facts[kata.id].planned or []):
            if name not in ran:
                counts["skipped"] += 1
                _el(case(name), "skipped", message=kata.not_run_reason())
        if not kata.checks and kata.fatal:  # nothing at all ran: CI must still see a red test
            counts["errors"] += 1
            _el(case("grading"), "error", kata.fatal, message=kata.fatal.splitlines()[0], type="error")
        # The problems once for the suite (each failure names its own in one line), then the output.
        out = []
        if kata.problems:
            out.append(f"{problem_summary(kata)}\n\n{problems_text(kata)}\n")
        if kata.output or kata.output_truncated_bytes:
            more = f"\n... {kata.output_truncated_bytes} more bytes not shown" if kata.output_truncated_bytes else ""
            out.append(("your code printed:\n" if kata.problems else "") + kata.output + more)
        if out:
            _el(suite, "system-out", "\n".join(out))
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    root.set("time", f"{sum(k.duration_s for k in report.katas):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
