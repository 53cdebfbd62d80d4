"""JUnit, Gradescope and HTML reports; diagnoses in every format; per-check points;
and the Gradescope `run_autograder` recipe (with a fake /autograder root)."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from grader import reporting as rep
from grader.curriculum import loading
from grader.grading.session import facts_for
from grader.model.facts import DEFAULT_POINTS, KataFacts
from grader.reporting import filters
from grader.curriculum.catalog import Catalog
from grader.curriculum.kata import CatalogError
from grader.model.scoring import split_points
from grader.model.results import CheckResult, GradeReport, KataResult

REPO = Path(__file__).resolve().parents[1]
RUN_AUTOGRADER = REPO / "gradescope" / "run_autograder"
CHROMIUM = Path("/usr/bin/chromium")


# ------------------------------------------------------------------ a failing run, by hand

MISSING_B = {"id": "missing-1-over-B", "name": "Missing 1/B",
             "explanation": "The gradient is exactly B times too large: the loss is a mean, so its gradient carries 1/B.",
             "hint": 3, "evidence": "dW/expected = 7.000 at B = 7 and 6.000 at B = 6"}


def failing_report() -> GradeReport:
    """What grading a workspace with typical mistakes gives: a warning, failures with
    diagnoses, an error, a stub, a syntax error and noisy output."""
    part1 = KataResult(
        id="part1", alias="softmax-ce", title="Numerically stable softmax cross-entropy",
        learner_file="part1_softmax_ce.py", duration_s=0.21,
        checks=[
            CheckResult("shapes", "Output shapes and dtypes", "pass", "ok", seed=42),
            CheckResult("forward", "Loss and probabilities match the reference", "pass", "ok", seed=42),
            CheckResult("log-space-loss", "The loss stays exact when a true-class probability underflows", "warn",
                        "loss is inf where 117.157 is exact (float64, a true class 800 below the row max)",
                        ["expected loss 117.157, got inf"],
                        "softmax_cross_entropy(logits=float64[7, 5], y=int64[7])", 42, 2,
                        [{"id": "log-of-probs", "name": "log(probs) instead of log-sum-exp",
                          "explanation": "np.log of an underflowed probability is -inf; stay in log space.",
                          "hint": None, "evidence": "probs[y] == 0.0 for row 3"}]),
        ])
    part2 = KataResult(
        id="part2", alias="linear-backward", title="Linear layer: forward and backward",
        learner_file="part2_linear_backward.py", duration_s=0.34,
        output="dW = [[0.1 0.2]]\x00\x1b[31m red \x07 & <b>bold</b>\n",
        checks=[
            CheckResult("shapes", "Output shapes and dtypes", "pass", "ok", seed=42),
            CheckResult("backward", "linear_backward matches the reference (dA, dW, db)", "fail",
                        "dW is exactly 7× the expected (= B)",
                        ["worst at [3, 1]: got 6.11633, expected 0.873761 (abs err 5.24, rel err 6)",
                         "tolerance: |got - expected| <= 9.9e-14 + 1.1e-13·|expected| (float64)"],
                        "linear_backward(dZ=float64[7, 3], A=float64[7, 5], W=float64[5, 3])", 42, 1,
                        [MISSING_B]),
            CheckResult("db-shape", "Bias gradient shape", "fail", "db has shape (1, 3), expected (3,)",
                        ["expected shape (3,), got (1, 3)"], "linear_backward(...)", 42, 2),
            CheckResult("repeatable", "Inputs unmodified, and a second call gives the same answer", "error",
                        "linear_backward raised ZeroDivisionError: division by zero",
                        ["  File \"part2_linear_backward.py\", line 9, in linear_backward"], None, 42, None),
        ])
    part3 = KataResult(
        id="part3", alias="relu-backward", title="ReLU: forward and backward", learner_file="part3_relu_backward.py",
        checks=[CheckResult("forward", "relu_forward matches max(Z, 0)", "error",
                            "relu_forward is not implemented yet (it raises NotImplementedError)", seed=42,
                            diagnoses=[{"id": "not-implemented", "name": "Not implemented yet",
                                        "function": "relu_forward", "explanation": "the stub is unchanged"}])])
    part4 = KataResult(
        id="part4", alias="mlp-backward", title="Two-layer MLP", learner_file="part4_mlp_backward.py",
        fatal="SyntaxError: invalid syntax (part4_mlp_backward.py, line 12)",
        checks=[CheckResult("load", "part4_mlp_backward.py imports", "error",
                            "SyntaxError: invalid syntax (part4_mlp_backward.py, line 12)")])
    return GradeReport([part1, part2, part3, part4], seed=42, workspace="/home/me/kata-workspace",
                       tool_version="0.1.0")


def fake_kata(points, checks, hints=(), check_points=None):
    """The facts a catalog would give a report about one kata."""
    return KataFacts(hint_titles=list(hints), points=points, check_points=check_points or {},
                     planned=[(n, n.title()) for n in checks])


class FakeCatalog(dict):
    """kata id -> the facts a report renders with."""

    def __init__(self, **katas):
        super().__init__(katas)


CATALOG = FakeCatalog(
    part1=fake_kata(10, ["shapes", "forward", "log-space-loss", "repeatable"],
                    ["Shift each row", "Stay in log space for the loss", "One formula", "Almost the code"]),
    part2=fake_kata(20, ["shapes", "backward", "db-shape", "repeatable"],
                    ["Let the shapes decide", "The bias is shared", "No 1/B in this layer", "Almost the code"],
                    check_points={"backward": 8}),
    part3=fake_kata(10, ["forward", "backward"]),
    part4=fake_kata(20, ["shapes", "gradients"]),
)


def render(fmt, report=None, catalog=CATALOG):
    return rep.render(report or failing_report(), fmt, facts=catalog)


# ------------------------------------------------------------------ diagnoses, everywhere

def diagnosis_text(fmt: str) -> str:
    """The part of a report where part2's `backward` failure is explained."""
    out = render(fmt)
    # Formats that list checks one by one say each problem once, for the kata (the suite's
    # output, the summary), and name it in the failure it explains.
    if fmt == "junit":
        suite = ET.fromstring(out).find(".//testsuite[@name='part2']")
        case = suite.find("testcase[@name='backward']")
        assert "cause: Missing 1/B" in case.find("failure").text
        return case.find("failure").text + suite.find("system-out").text
    if fmt in ("gradescope", "prairielearn"):
        data = json.loads(out)
        test = next(t for t in data["tests"] if t["name"].startswith("part2 · linear_backward matches"))
        assert "cause: Missing 1/B" in test["output"]
        return test["output"] + data["output" if fmt == "gradescope" else "message"]
    if fmt == "json":
        return json.dumps(json.loads(out)["katas"][1]["checks"][1]["diagnoses"])
    return out


@pytest.mark.parametrize("fmt", rep.FORMATS)
def test_every_format_shows_the_diagnosis(fmt):
    text = diagnosis_text(fmt)
    for fact in ("Missing 1/B", "the loss is a mean, so its gradient carries 1/B",
                 "dW/expected = 7.000 at B = 7"):
        assert fact in text, (fmt, fact)


@pytest.mark.parametrize("fmt", [f for f in rep.FORMATS if f != "json"])
def test_the_diagnosis_hint_wins_over_the_check_hint(fmt):
    # `backward` says hint 1, its diagnosis says 3: the diagnosis knows better.
    text = diagnosis_text(fmt)
    assert "kata hint part2 --level 3" in text
    assert "No 1/B in this layer" in text  # the hint's title, from the catalog
    assert "kata hint part2 --level 1" not in text


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_a_diagnosis_without_a_hint_never_borrows_the_check_hint(fmt):
    # log-of-probs links no hint here: the check's hint 2 is about its subject, not the diagnosis.
    out = render(fmt)
    assert "probs[y] == 0.0 for row 3" in out
    assert "kata hint part1 --level 2" not in out


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_a_plain_failure_links_its_check_hint_and_an_exception_none(fmt):
    out = render(fmt)
    # db-shape: a plain shape failure of the check's own subject, no diagnosis: its hint 2.
    assert "kata hint part2 --level 2" in out
    # repeatable raised ZeroDivisionError in the learner's code: its traceback, no hint at all.
    assert "ZeroDivisionError" in out and "part2_linear_backward.py\", line 9" in out.replace("&#34;", '"')
    assert "kata hint part2 --level 4" not in out


def test_hint_titles_come_from_the_facts_alone():
    out = rep.render(failing_report(), "text", facts={"part2": KataFacts(hint_titles=["a", "b", "Divide once", "d"])})
    assert "hint: `kata hint part2 --level 3` — Divide once" in out
    assert "hint: `kata hint part2 --level 2` — b" in out
    out = rep.render(failing_report(), "text")
    assert "hint: `kata hint part2 --level 3`\n" in out  # no title known: the command alone


def test_reports_render_without_any_catalog():
    for fmt in rep.FORMATS:
        assert "part2" in rep.render(failing_report(), fmt)


def test_results_from_an_unknown_kata_still_render():
    report = failing_report()
    report.katas[0].id = "custom"
    for fmt in rep.FORMATS:
        assert "custom" in render(fmt, report)


# ------------------------------------------------------------------ expected against got

def test_got_and_expected_are_split_either_way_round():
    rows = filters.comparisons(failing_report().katas[1].checks[1])
    assert rows == [{"where": "worst at [3, 1]", "expected": "0.873761", "got": "6.11633",
                     "note": "abs err 5.24, rel err 6"}]
    rows = filters.comparisons(failing_report().katas[1].checks[2])
    assert rows == [{"where": "shape", "expected": "(3,)", "got": "(1, 3)", "note": ""}]
    assert filters.other_details(failing_report().katas[1].checks[1]) == [
        "tolerance: |got - expected| <= 9.9e-14 + 1.1e-13·|expected| (float64)"]


def test_html_sets_expected_beside_got():
    out = render("html")
    assert '<td class="val expected"><code>0.873761</code></td><td class="val got"><code>6.11633</code></td>' in out
    assert "<th scope=\"row\">worst at [3, 1]</th>" in out
    assert '<div class="cause">' in out and "Likely cause" in out


# ------------------------------------------------------------------ junit

def test_junit_parses_and_counts():
    root = ET.fromstring(render("junit"))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["part1", "part2", "part3", "part4"]
    counts = {k: {a: int(s.get(a)) for a in ("tests", "failures", "errors", "skipped")} for k, s in suites.items()}
    assert counts["part1"] == {"tests": 4, "failures": 0, "errors": 0, "skipped": 1}  # `repeatable` never ran
    assert counts["part2"] == {"tests": 4, "failures": 2, "errors": 1, "skipped": 0}
    assert counts["part3"] == {"tests": 2, "failures": 0, "errors": 0, "skipped": 2}  # waiting for a stub
    assert counts["part4"] == {"tests": 3, "failures": 0, "errors": 1, "skipped": 2}
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key)) == sum(c[key] for c in counts.values())
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert len(cases) == int(suite.get("tests"))
        assert all(c.get("classname") == f"kata.{suite.get('name')}" for c in cases)
        assert float(suite.get("time")) >= 0


def test_junit_failure_error_skip_and_warning():
    root = ET.fromstring(render("junit"))
    case = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failure = case["kata.part2", "backward"].find("failure")
    assert failure.get("message") == "dW is exactly 7× the expected (= B)"
    assert "worst at [3, 1]: got 6.11633, expected 0.873761" in failure.text
    assert "reproduce: kata repro part2 --seed 42" in failure.text
    error = case["kata.part2", "repeatable"].find("error")
    assert "ZeroDivisionError" in error.get("message")
    assert case["kata.part3", "forward"].find("skipped") is not None
    assert "SyntaxError" in case["kata.part4", "gradients"].find("skipped").get("message")
    warned = case["kata.part1", "log-space-loss"]
    assert warned.find("failure") is None and warned.find("error") is None
    assert warned.find("properties/property[@name='warning']").get("value").startswith("loss is inf")
    assert "log-sum-exp" in warned.find("system-out").text
    assert list(case["kata.part1", "shapes"]) == []  # a pass is an empty testcase


def test_junit_strips_what_xml_cannot_hold_and_escapes_the_rest():
    report = failing_report()
    report.katas[1].checks[1].details.append("lone surrogate \ud800 here")
    out = render("junit", report)
    for bad in ("\x00", "\x1b", "\x07", "\ud800"):
        assert bad not in out
    printed = ET.fromstring(out).find("testsuite[@name='part2']/system-out").text
    assert "[31m red  & <b>bold</b>" in printed  # markup survives as text, not as elements


def test_junit_without_catalog_lists_only_what_ran():
    root = ET.fromstring(render("junit", catalog=None))
    assert root.find("testsuite[@name='part1']").get("tests") == "3"
    assert root.find("testsuite[@name='part4']/testcase[@name='load']/error") is not None


def test_junit_kata_that_ran_nothing_is_still_red():
    report = GradeReport([KataResult("part9", "x", "X", fatal="the file is missing")], seed=1, workspace="/w")
    suite = ET.fromstring(rep.render(report, "junit")).find("testsuite")
    assert suite.get("errors") == "1" and suite.find("testcase/error").get("message") == "the file is missing"


# ------------------------------------------------------------------ gradescope

TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
             "tags", "visibility", "extra_data"}
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def validate_gradescope(text: str) -> dict:
    """Check a results.json against the Gradescope autograder specification
    (gradescope-autograders.readthedocs.io/en/latest/specs/) and what we promise on top."""
    def no_constants(name):
        raise AssertionError(f"{name} is not valid JSON")
    data = json.loads(text, parse_constant=no_constants)

    def number(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    assert isinstance(data, dict) and set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    for key in ("score", "output", "visibility", "stdout_visibility", "tests"):
        assert key in data, key
    assert number(data["score"]) and data["score"] >= 0
    assert isinstance(data["output"], str)
    assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
    assert isinstance(data["tests"], list) and data["tests"]
    for test in data["tests"]:
        assert isinstance(test, dict) and set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        for key in ("name", "score", "max_score", "status", "output", "visibility"):
            assert key in test, (key, test)
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["output"], str)
        assert number(test["score"]) and number(test["max_score"])
        assert 0 <= test["score"] <= test["max_score"] + 1e-9, test
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in VISIBILITIES
        # all or nothing per check: passed scores its maximum, failed scores 0
        assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0), test
    assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-6
    total = sum(t["max_score"] for t in data["tests"])
    assert data["score"] <= total + 1e-9
    if "extra_data" in data:
        assert abs(data["extra_data"]["max_score"] - total) < 1e-6
    return data


def test_gradescope_results_follow_the_spec():
    data = validate_gradescope(render("gradescope"))
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "hidden"
    assert len({t["number"] for t in data["tests"]}) == len(data["tests"])


def test_gradescope_points():
    tests = {(t["extra_data"]["kata"], t["extra_data"]["check"]): t
             for t in validate_gradescope(render("gradescope"))["tests"]}
    # part1: 10 points over 4 checks; a warning counts as passed; `repeatable` never ran
    assert [tests["part1", c]["max_score"] for c in ("shapes", "forward", "log-space-loss", "repeatable")] == [2.5] * 4
    assert tests["part1", "log-space-loss"]["status"] == "passed" and tests["part1", "log-space-loss"]["score"] == 2.5
    assert tests["part1", "repeatable"]["score"] == 0 and "did not run" in tests["part1", "repeatable"]["output"]
    # part2: 20 points, [check_points] backward = 8, the other three share 12
    assert tests["part2", "backward"]["max_score"] == 8
    assert [tests["part2", c]["max_score"] for c in ("shapes", "db-shape", "repeatable")] == [4, 4, 4]
    assert tests["part2", "shapes"]["score"] == 4 and tests["part2", "backward"]["score"] == 0
    # part4: the load error carries no points; the planned checks carry the kata's 20, all lost
    assert tests["part4", "load"]["max_score"] == 0 and "SyntaxError" in tests["part4", "load"]["output"]
    assert tests["part4", "shapes"]["max_score"] + tests["part4", "gradients"]["max_score"] == 20
    data = json.loads(render("gradescope"))
    assert data["score"] == 2.5 * 3 + 4
    assert data["extra_data"]["max_score"] == 60


def test_gradescope_output_has_what_a_learner_needs():
    data = json.loads(render("gradescope"))
    test = next(t for t in data["tests"] if t["name"].startswith("part2 · linear_backward matches"))
    assert test["output"].startswith("FAIL: dW is exactly 7× the expected (= B)")
    assert "got 6.11633, expected 0.873761" in test["output"]
    assert "kata repro part2 --seed 42" in test["output"]
    assert "1 of 4 katas passed" in data["output"]
    assert "11.5 of 60 points" in data["output"]
    # passed (part1) and stubbed (part3) katas do not depend on the seed
    assert "Rerun the same hidden cases locally: kata grade part2 part4 --seed 42" in data["output"]


def test_gradescope_without_catalog_splits_default_points_over_what_ran():
    data = validate_gradescope(render("gradescope", catalog=None))
    assert data["extra_data"]["max_score"] == 4 * DEFAULT_POINTS


def test_gradescope_kata_with_no_checks_keeps_its_points():
    report = GradeReport([KataResult("part9", "x", "X", fatal="boom")], seed=1, workspace="/w")
    data = validate_gradescope(rep.render(report, "gradescope"))
    assert [(t["score"], t["max_score"]) for t in data["tests"]] == [(0, DEFAULT_POINTS)]


@pytest.mark.parametrize("total, names, fixed, expected", [
    (10, ["a", "b", "c"], {}, [3.34, 3.33, 3.33]),
    (10, ["a", "b", "c"], {"b": 4}, [3.0, 4.0, 3.0]),
    (6, ["a", "b"], {"a": 6}, [6.0, 0.0]),
    (5, ["a", "b"], {"a": 2, "b": 2}, [2.0, 2.0]),   # all listed: the listed points stand
    (1, [], {}, []),
])
def test_split_points(total, names, fixed, expected):
    assert list(split_points(total, names, fixed).values()) == expected


# ------------------------------------------------------------------ per-check points in kata.toml

def make_catalog(tmp_path, toml_tail: str, framework="numpy"):
    folder = tmp_path / "katas" / "k1"
    folder.mkdir(parents=True)
    (tmp_path / "solutions").mkdir(exist_ok=True)
    (folder / "kata.toml").write_text(textwrap.dedent(f"""
        id = "k1"
        alias = "one"
        title = "One"
        learner_file = "k1.py"
        functions = ["f"]
        framework = "{framework}"
        points = 6
        """) + textwrap.dedent(toml_tail), encoding="utf-8")
    (folder / "checks.py").write_text(
        "from types import SimpleNamespace as C\n"
        "CHECKS = [C(name=n, title=n.upper(), hint=None) for n in ('a', 'b', 'c')]\n", encoding="utf-8")
    return Catalog.from_dirs(tmp_path / "katas", tmp_path / "solutions")


def test_kata_toml_check_points(tmp_path):
    catalog = make_catalog(tmp_path, "[check_points]\na = 3\n")
    kata = catalog.get("k1")
    assert kata.check_points == {"a": 3.0}
    report = GradeReport([KataResult("k1", "one", "One", checks=[
        CheckResult("a", "A", "pass", "ok"), CheckResult("b", "B", "fail", "no")])], seed=3, workspace="/w")
    data = validate_gradescope(rep.render(report, "gradescope", facts=facts_for(catalog, report)))
    worth = {t["extra_data"]["check"]: (t["score"], t["max_score"]) for t in data["tests"]}
    # a NumPy kata also runs the engine's numpy-only check; b, c and numpy-only share 6 - 3
    assert worth == {"a": (3, 3), "b": (0, 1), "c": (0, 1), "numpy-only": (0, 1)}


def test_kata_toml_without_check_points(tmp_path):
    assert make_catalog(tmp_path, "", framework="torch").get("k1").check_points == {}


@pytest.mark.parametrize("tail, match", [
    ("[check_points]\na = 4\nb = 3\n", "more than points"),
    ("[check_points]\na = -1\n", "must be numbers"),
    ("[check_points]\na = \"two\"\n", "must be numbers"),
    ("check_points = 3\n", "must be a table"),
])
def test_kata_toml_bad_check_points(tmp_path, tail, match):
    with pytest.raises(CatalogError, match=match):
        make_catalog(tmp_path, tail)


def test_builtin_check_points_name_real_checks(catalog):
    for kata in catalog:
        names = {name for name, _ in loading.planned_checks(kata)}
        assert set(kata.check_points) <= names, kata.id


# ------------------------------------------------------------------ html in a real browser

def png_pixels(data: bytes, max_rows: int) -> tuple[int, int, list[bytes]]:
    """Decode the first `max_rows` rows of an 8-bit RGB, non-interlaced PNG (what
    Chromium writes). Pure Python, so only as much as the test looks at."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert (depth, color, interlace) == (8, 2, 0), header
    raw, stride, rows, prev = zlib.decompress(idat), width * 3, [], bytearray(width * 3)
    for y in range(min(height, max_rows)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a, b = line[i - 3] if i >= 3 else 0, prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_html_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render("html"), encoding="utf-8")
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,1500",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = result.stdout
    # The page parsed, and what a learner needs made it into the DOM.
    for fact in ("1 of 4", "katas passed", "Missing 1/B", "kata repro part2 --seed 42",
                 "kata hint part2 --level 3", "No 1/B in this layer", "6.11633", "0.873761"):
        assert fact in dom, fact
    assert "<script" not in dom.lower()  # the learner's printed markup stayed text
    assert shot.exists() and shot.stat().st_size > 30_000, result.stderr[-2000:]
    # The top of the page: the summary bar and part1's warning with its diagnosis.
    width, height, rows = png_pixels(shot.read_bytes(), max_rows=700)
    assert (width, height) == (1200, 1500)
    pixels = {row[i:i + 3] for row in rows[::4] for i in range(0, len(row), 12)}

    def near(rgb):
        return any(sum(abs(p - q) for p, q in zip(px, rgb)) < 40 for px in pixels)
    # The stylesheet applied: the FAIL badge red, the PASS green and the diagnosis blue are on screen.
    assert near((0xCF, 0x22, 0x2E)) and near((0x1A, 0x7F, 0x37)) and near((0x09, 0x69, 0xDA))
    assert len(pixels) > 200  # text and colour, not a blank page


# ------------------------------------------------------------------ gradescope/run_autograder

def run_autograder(root: Path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "AUTOGRADER_ROOT": str(root), "KATA_PYTHON": sys.executable, **env}
    full.pop("KATA_WORKSPACE", None)
    return subprocess.run([sys.executable, str(RUN_AUTOGRADER)], env=full, capture_output=True, text=True,
                          timeout=300, cwd=root)


def test_run_autograder_grades_a_failing_submission(tmp_path, catalog):
    root = tmp_path / "autograder"
    submission = root / "submission" / "my-workspace"  # nested, as a zipped folder arrives
    submission.mkdir(parents=True)
    part1, part2 = catalog.get("part1"), catalog.get("part2")
    shutil.copyfile(part1.reference_path, submission / part1.learner_file)
    shutil.copyfile(part2.folder / "mistakes" / "divides_by_b.py", submission / part2.learner_file)
    result = run_autograder(root)
    assert result.returncode == 0, result.stderr
    data = validate_gradescope((root / "results" / "results.json").read_text(encoding="utf-8"))
    by_kata = {}
    for test in data["tests"]:
        by_kata.setdefault(test["extra_data"]["kata"], []).append(test)
    assert set(by_kata) == {k.id for k in catalog}
    assert all(t["status"] == "passed" for t in by_kata["part1"])
    assert sum(t["score"] for t in by_kata["part1"]) == pytest.approx(part1.points)
    failed = [t for t in by_kata["part2"] if t["status"] == "failed"]
    assert failed and any("1/B" in t["output"] for t in failed)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(sum(k.points for k in catalog))
    assert 0 < data["score"] < data["extra_data"]["max_score"]


def test_run_autograder_writes_results_when_grading_crashes(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'no module named grader' >&2\nexit 3\n")
    broken.chmod(0o755)
    result = run_autograder(root, KATA_PYTHON=str(broken))
    assert result.returncode == 0
    data = validate_gradescope((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert data["score"] == 0 and "could not grade this submission" in data["output"]
    assert "kata init" in data["output"]


def test_run_autograder_without_submission_or_results_folder(tmp_path):
    root = tmp_path / "autograder"
    root.mkdir()
    broken = tmp_path / "missing-python"
    result = run_autograder(root, KATA_PYTHON=str(broken))  # cannot even start it
    assert result.returncode == 0
    data = validate_gradescope((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert "FileNotFoundError" in data["output"]


def test_setup_script_is_valid_bash_and_reads_the_torch_pin():
    assert subprocess.run(["bash", "-n", str(REPO / "gradescope" / "setup.sh")]).returncode == 0
    setup = (REPO / "gradescope" / "setup.sh").read_text()
    assert not re.search(r"torch==\d", setup)  # the pin is read from pyproject.toml, never repeated
    assert '"torch==' in (REPO / "pyproject.toml").read_text()
    assert os.access(RUN_AUTOGRADER, os.X_OK) and os.access(REPO / "gradescope" / "setup.sh", os.X_OK)


def test_cli_writes_junit_for_a_failing_kata(tmp_path, catalog, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    monkeypatch.delenv("KATA_WORKSPACE", raising=False)
    ws = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(ws)]).exit_code == 0
    part2 = catalog.get("part2")
    shutil.copyfile(part2.folder / "mistakes" / "divides_by_b.py", ws / part2.learner_file)
    out = tmp_path / "junit.xml"
    result = CliRunner().invoke(main, ["grade", "part2", "-w", str(ws), "--format", "junit", "-o", str(out),
                                       "--seed", "3"])
    assert result.exit_code == 1, result.output
    suite = ET.parse(out).getroot().find("testsuite[@name='part2']")
    assert int(suite.get("failures")) >= 1 and int(suite.get("tests")) == len(loading.planned_checks(part2))
    assert any("kata repro part2 --seed 3" in f.text for f in suite.iter("failure"))
