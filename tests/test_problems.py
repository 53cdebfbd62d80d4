"""Reports lead with the learner's problems: each diagnosis once, with its evidence,
the checks it explains and its hint; hints only through diagnoses; the text report
wrapped for people, with one next step; numbers printed so that they differ."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from grader import reporting as rep
from grader.checks.compare import compare, describe, distinct_pair
from grader.curriculum.catalog import Catalog
from grader.grading.engine import grade_file
from grader.grading.session import facts_for
from grader.model.facts import KataFacts
from grader.model.problems import find
from grader.model.results import CheckResult, GradeReport, KataResult
from grader.reporting import filters

MUTATED = {"id": "input-mutated", "name": "Input modified in place", "hint": 3,
           "explanation": "The function changed an array its caller passed in; copy first."}


def mutated(n: int, entry: str) -> dict:
    return {**MUTATED, "evidence": f"numerical_gradient changed its argument x on call {n} ({entry} changed)"}


def six_mutations() -> KataResult:
    """One in-place bug that trips six checks (as `x[i] += h` with no restore does)."""
    checks = [CheckResult(f"check-{i}", f"Check number {i}", "fail",
                          "numerical_gradient modified its input x in place (entry [0] changed)",
                          ["copy before changing it (x = x.copy())"], "numerical_gradient(f=f, x=float64[5])",
                          7, 6, [mutated(1, "entry [0]" if i < 4 else "entry [0, 0]")]) for i in range(6)]
    checks.insert(3, CheckResult("relative-error", "relative_error is symmetric", "pass", "ok", seed=7))
    return KataResult("part6", "gradient-check", "Gradient check", "part6_gradient_check.py", checks=checks)


FACTS = {"part6": KataFacts(hint_titles=["One entry", "Both sides", "Put the entry back", "Choosing h", "Rel",
                                         "Almost the code"], next_kata=("part7", "A reusable Layer interface")),
         "part2": KataFacts(hint_titles=["Shapes decide", "The bias is shared", "No 1/B here"],
                            next_kata=("part3", "ReLU"))}


def two_bugs() -> KataResult:
    """A part2 with a keepdims db and an extra 1/B: two problems over four checks, and a
    failure no diagnosis explains."""
    keepdims = {"id": "bias-keepdims", "name": "Bias gradient kept as (1, n)", "hint": 2,
                "explanation": "db has shape (1, n) where the bias has shape (n,)."}
    extra = {"id": "extra-1-over-B", "name": "1/B applied twice", "hint": 3,
             "explanation": "dW is B times too small: the upstream gradient already carries 1/B."}
    return KataResult("part2", "linear-backward", "Linear layer", "part2_linear_backward.py", checks=[
        CheckResult("shapes", "Output shapes", "fail", "db has shape (1, 3), expected (3,)", [], None, 1, 1,
                    [{**keepdims, "evidence": "shape (1, 3) where the bias has shape (3,)"}]),
        CheckResult("backward", "Matches the reference", "fail", "dW is exactly 1/7× the expected (= 1/B)",
                    ["worst at [0, 1]: got 0.1, expected 0.7 (abs err 0.6, rel err 0.857)"], None, 1, 1,
                    [{**extra, "evidence": "dW/expected = 1/7 at B = 7"},
                     {**keepdims, "evidence": "shape (1, 4) where the bias has shape (4,)"}]),
        CheckResult("batch", "1/B once", "fail", "dW is exactly 1/6× the expected (= 1/B)", [], None, 1, 3,
                    [{**extra, "evidence": "dW/expected = 1/6 at B = 6"},
                     {**keepdims, "evidence": "shape (1, 3) where the bias has shape (3,)"}]),
        CheckResult("finite", "Finite differences", "fail", "dW disagrees with finite differences", [],
                    None, 1, 2),
        CheckResult("repeatable", "Inputs unmodified", "pass", "ok", seed=1),
    ])


def report_of(*katas, seed=7) -> GradeReport:
    return GradeReport(list(katas), seed, "/w", tool_version="0.1.0")


# ------------------------------------------------------------------ the model

def test_problems_group_diagnoses_over_checks_in_order_of_discovery():
    found = find(two_bugs().checks)
    assert [p.id for p in found] == ["bias-keepdims", "extra-1-over-B"]
    keepdims, extra = found
    assert keepdims.checks == ["shapes", "backward", "batch"] and extra.checks == ["backward", "batch"]
    # distinct evidence only: (1, 3) was seen twice
    assert keepdims.evidence == ["shape (1, 3) where the bias has shape (3,)",
                                 "shape (1, 4) where the bias has shape (4,)"]
    assert [p.number for p in found] == [1, 2] and keepdims.hint == 2


def test_evidence_is_capped_and_stubs_are_no_problem():
    checks = [CheckResult(f"c{i}", "T", "fail", "m", diagnoses=[{**MUTATED, "evidence": f"call {i}"}])
              for i in range(5)]
    checks.append(CheckResult("stub", "S", "error", "raises NotImplementedError",
                              diagnoses=[{"id": "not-implemented", "function": "f"}]))
    checks.append(CheckResult("warned", "W", "warn", "slow", diagnoses=[{"id": "not-repeatable"}]))
    (only,) = find(checks)
    assert only.id == "input-mutated" and len(only.evidence) == 3 and len(only.checks) == 5


def test_json_lists_problems_per_kata_with_hint_titles():
    data = json.loads(rep.render(report_of(two_bugs()), "json", facts=FACTS))
    assert data["version"] == 1
    problems = data["katas"][0]["problems"]
    assert [p["name"] for p in problems] == ["Bias gradient kept as (1, n)", "1/B applied twice"]
    assert problems[0]["hint_title"] == "The bias is shared" and problems[1]["hint_title"] == "No 1/B here"
    assert problems[1]["checks"] == ["backward", "batch"]
    assert problems[1]["evidence"] == ["dW/expected = 1/7 at B = 7", "dW/expected = 1/6 at B = 6"]
    assert len(data["katas"][0]["checks"]) == 5  # the per-check list is still all there


# ------------------------------------------------------------------ each diagnosis once

@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_one_bug_in_six_checks_is_shown_once(fmt):
    out = rep.render(report_of(six_mutations()), fmt, facts=FACTS)
    assert out.count("The function changed an array its caller passed in") == 1
    # its two distinct evidence lines, once each
    assert out.count("on call 1 (entry [0] changed)") == 1 and out.count("on call 1 (entry [0, 0] changed)") == 1
    assert out.count("Put the entry back") == 2  # the problem's hint, and the next step
    assert "1 problem found: Input modified in place" in " ".join(out.split())
    assert "Almost the code" not in out  # the checks' own hint 6 is about something else


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_two_bugs_are_named_in_the_headline_and_each_block_once(fmt):
    out = rep.render(report_of(two_bugs()), fmt, facts=FACTS)
    flat = " ".join(out.split()).replace("&#39;", "'")
    assert "2 problems found: Bias gradient kept as (1, n); 1/B applied twice + 1 other failing check" in flat
    assert out.count("db has shape (1, n) where the bias has shape (n,).") == 1
    assert out.count("the upstream gradient already carries 1/B") == 1
    assert "4 of 5 checks failed" in flat  # the check counts are still there
    # the failure no diagnosis explains keeps its own hint
    assert "kata hint part2 --level 2" in out and "Finite differences" in out


def test_text_report_leads_with_problems_and_points_checks_to_them():
    out = rep.render(report_of(two_bugs()), "text", facts=FACTS, width=100)
    assert out.index("problems (2)") < out.index("1. Bias gradient kept as (1, n)") < \
        out.index("2. 1/B applied twice") < out.index("  checks") < out.index("✗ Output shapes")
    block = out[out.index("✗ Matches the reference"):out.index("✗ 1/B once")]
    assert "→ problem 2: 1/B applied twice" in block and "→ problem 1: Bias gradient kept as (1, n)" in block
    assert "likely cause" not in out and "explanation" not in block


@pytest.mark.parametrize("fmt", ["junit", "gradescope", "prairielearn"])
def test_per_check_formats_explain_each_problem_once(fmt):
    out = rep.render(report_of(six_mutations()), fmt, facts=FACTS)
    assert out.count("The function changed an array its caller passed in") == 1
    if fmt == "junit":
        failures = ET.fromstring(out).findall(".//failure")
        assert len(failures) == 6 and all("cause: Input modified in place" in f.text for f in failures)
        assert ET.fromstring(out).find(".//property[@name='problems']").get("value") == \
            "1 problem found: Input modified in place"


# ------------------------------------------------------------------ hints only through diagnoses

def hints_of(out: str) -> set[str]:
    return set(re.findall(r"kata hint \w+ --level (\d)", out))


def test_an_exception_points_to_its_traceback_not_to_a_hint():
    raised = CheckResult("stability", "Large logits stay finite", "error",
                         "softmax_cross_entropy raised ValueError: operands could not be broadcast together",
                         ["  File \"part1_softmax_ce.py\", line 9, in softmax_cross_entropy",
                          "ValueError: operands could not be broadcast together with shapes (7,3) (3,7)"],
                         "softmax_cross_entropy(logits=float64[7, 3], y=int64[7])", 3, 2)
    kata = KataResult("part1", "softmax-ce", "Softmax CE", "part1_softmax_ce.py",
                      checks=[CheckResult("shapes", "Shapes", "pass", "ok"), raised])
    facts = {"part1": KataFacts(hint_titles=["Shift", "Stay in log space"])}
    for fmt in ("text", "md", "html", "junit", "gradescope"):
        out = rep.render(report_of(kata), fmt, facts=facts)
        assert "Stay in log space" not in out, fmt
        assert "line 9, in softmax_cross_entropy" in out.replace("&#34;", '"'), fmt
    text = rep.render(report_of(kata), "text", facts=facts)
    assert "      ValueError: operands could not be broadcast together with shapes (7,3) (3,7)" in text  # as raised
    assert "next: your code raised an exception" in " ".join(text.split())


def test_a_diagnosis_links_only_its_own_hint():
    # The check is about hint 6's subject; the mutation it found is not: no hint 6.
    out = rep.render(report_of(six_mutations()), "text", facts=FACTS)
    assert hints_of(out) == {"3"}
    unlinked = six_mutations()
    for c in unlinked.checks:
        for d in c.diagnoses:
            d.hint = None
    assert hints_of(rep.render(report_of(unlinked), "text", facts=FACTS)) == set()


def test_every_hint_line_has_its_title_in_real_katas():
    catalog = Catalog.builtin()
    for kata in catalog:
        titles = facts_for(catalog, report_of(KataResult(kata.id, kata.alias, kata.title)))[kata.id].hint_titles
        assert titles and all(titles), kata.id
        for hint in kata.hints:  # every level a check or a diagnosis can link has a title
            assert hint.title, kata.id


# ------------------------------------------------------------------ the text report, for people

def test_text_wraps_on_words_with_hanging_indents():
    kata = two_bugs()
    path = "/home/learner/projects/very-long-folder-name/kata-workspace/part2_linear_backward.py"
    kata.checks[3].details = [f"see {path} where the gradient is computed " * 2]
    out = rep.render(report_of(kata), "text", facts=FACTS, width=50)
    lines = out.splitlines()
    for line in lines:
        assert len(line) <= 50 or (path in line and len(line.split()) <= 3), line
    assert path in out  # never broken
    # every word of the explanation survives, in order
    assert "db has shape (1, n) where the bias has shape (n,)." in " ".join(out.split())
    # hanging indent: continuation lines of a problem's explanation sit under its text
    i = next(n for n, line in enumerate(lines) if line.startswith("  1. "))
    assert lines[i + 1].startswith("     db has") and lines[i + 2].startswith("     ")
    # a command stays on one line
    assert any("`kata hint part2 --level 2`" in line for line in lines)


def test_text_width_follows_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert filters.terminal_width() == 60
    out = rep.render(report_of(two_bugs()), "text", facts=FACTS)
    assert max(map(len, out.splitlines())) <= 60
    monkeypatch.delenv("COLUMNS")


def test_blank_lines_between_failures_and_the_seed_once():
    out = rep.render(report_of(two_bugs(), seed=4242), "text", facts=FACTS, width=100)
    lines = out.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("  ✗ ") and lines[n - 1].strip() != "checks":
            assert lines[n - 1] == "", line
    assert out.count("4242") == 2  # the summary line and the rerun command
    assert "seed: " not in out


def test_next_step_is_the_first_problems_hint():
    out = rep.render(report_of(two_bugs()), "text", facts=FACTS, width=100)
    assert out.rstrip().splitlines()[-1] == "next: `kata hint part2 --level 2` (The bias is shared)"


def test_next_step_on_a_pass_is_the_next_kata():
    passed = KataResult("part6", "gradient-check", "Gradient check", checks=[CheckResult("x", "X", "pass", "ok")])
    out = rep.render(report_of(passed), "text", facts=FACTS, width=100)
    assert out.rstrip().splitlines()[-1] == "next: on to part7, A reusable Layer interface: `kata show part7`"
    last = {"part6": KataFacts()}
    assert "kata interview" in rep.render(report_of(passed), "text", facts=last).splitlines()[-1]


def test_next_step_for_a_stub_and_a_file_that_does_not_load():
    stub = KataResult("part1", "softmax-ce", "Softmax", "part1_softmax_ce.py", stubbed=["softmax_cross_entropy"],
                      checks=[CheckResult("shapes", "S", "error", "still a stub",
                                          diagnoses=[{"id": "not-implemented", "function": "softmax_cross_entropy"}])])
    out = " ".join(rep.render(report_of(stub), "text").split())
    assert "next: fill in softmax_cross_entropy in part1_softmax_ce.py, then run `kata grade part1`" in out
    broken = KataResult("part4", "mlp", "MLP", "part4_mlp_backward.py", fatal="SyntaxError: invalid syntax",
                        checks=[CheckResult("load", "imports", "error", "SyntaxError: invalid syntax")])
    out = " ".join(rep.render(report_of(broken), "text").split())
    assert "next: fix the error above in part4_mlp_backward.py, then run `kata grade part4`" in out


def test_a_stub_counts_every_check_of_the_kata():
    stub = KataResult("part1", "softmax-ce", "Softmax", checks=[
        CheckResult(n, n, "error", "stub", diagnoses=[{"id": "not-implemented", "function": "f"}])
        for n in ("a", "b")])
    facts = {"part1": KataFacts(planned=[(n, n) for n in ("a", "b", "c", "numpy-only")])}
    out = rep.render(report_of(stub), "text", facts=facts)
    assert "(4 checks waiting)" in out and "0 of 4 checks passed" in out
    assert "(2 checks waiting)" in rep.render(report_of(stub), "text")  # no facts: what ran


def test_colour_survives_wrapping():
    plain = rep.render(report_of(two_bugs()), "text", facts=FACTS, width=45)
    colored = rep.render(report_of(two_bugs()), "text", facts=FACTS, width=45, color=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain
    assert "\x1b[1;33mBias gradient kept as (1, n)\x1b[0m" in colored


# ------------------------------------------------------------------ numbers that differ in print

def test_numbers_get_the_digits_that_tell_them_apart():
    assert distinct_pair(0.398154, 0.0709197) == ("0.398154", "0.0709197", "")
    assert distinct_pair(1.6486512, 1.6486534) == ("1.648651", "1.648653", "")
    got, expected, note = distinct_pair(1.64865 + 1e-11, 1.64865)
    assert got == expected == "1.64865" and note == "they differ in the 12th significant digit"


def test_a_scalar_loss_never_reads_the_same_as_expected():
    message, details = describe("loss", compare(1.6486534, 1.6486512, 1e-9, 1e-12))
    assert message == "loss is 1.648653, expected 1.648651"
    message, details = describe("loss", compare(1.64865 + 2e-10, 1.64865, 1e-13, 1e-13))
    assert message == "loss is 1.64865, expected 1.64865 (they differ in the 11th significant digit)"
    assert details[0].endswith("; they differ in the 11th significant digit)")


# ------------------------------------------------------------------ a real grade

def test_a_real_in_place_mutation_is_one_problem(tmp_path):
    catalog = Catalog.builtin()
    kata = catalog.get("part6")
    learner = tmp_path / kata.learner_file
    learner.write_text((kata.folder / "mistakes" / "no_restore_inplace.py").read_text())
    result = grade_file(kata, learner, seed=1)
    report = report_of(result, seed=1)
    facts = facts_for(catalog, report)
    assert [p.id for p in result.problems] == ["input-mutated"] and len(result.problems[0].checks) >= 2
    for fmt in ("text", "md", "html"):
        out = " ".join(rep.render(report, fmt, facts=facts).replace("&#39;", "'").split())
        assert out.count(result.problems[0].explanation) == 1, fmt
        assert "Almost the code" not in out, fmt
    assert facts["part6"].hint_title(result.problems[0].hint) in rep.render(report, "text", facts=facts)


def test_one_exception_in_many_checks_shows_its_traceback_once():
    raised = ["part2_linear_backward.py:30 in linear_forward: return A @ W + b[:, None]"]
    message = "in linear_forward() raised ValueError: operands could not be broadcast together with shapes (7,3) (3,1)"
    kata = KataResult("part2", "linear-backward", "Linear", "part2_linear_backward.py", checks=[
        CheckResult(f"c{i}", f"Check {i}", "error", message, raised, "linear_forward(A=float64[7, 5])", 3, 1)
        for i in range(3)] + [CheckResult("other", "Other", "error", "in linear_backward() raised KeyError: 'x'")])
    out = rep.render(report_of(kata), "text", width=120)
    assert out.count("return A @ W + b[:, None]") == 1
    assert out.count('raised the same exception as "Check 0" above') == 2
    assert "raised KeyError" in out  # a different exception is shown in full


def test_input_mutation_links_a_hint_about_it_in_every_kata():
    # "Almost the code" is the last step of every kata: a mutation found by any check must
    # send the learner to a hint about leaving inputs alone, never to the answer.
    from grader.model.diagnoses import hint_for

    for kata in Catalog.builtin():
        level = hint_for(kata, "input-mutated")
        if level is not None:
            assert kata.hints[level - 1].title != "Almost the code", kata.id
