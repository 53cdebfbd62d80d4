"""Renderers: every format shows the facts a learner needs, and nothing unsafe."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader import reporting as rep
from grader.reporting import filters
from grader.model.results import SCHEMA_VERSION, CheckResult, GradeReport, KataResult

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def ok(name, title, message="matches the reference"):
    return CheckResult(name=name, title=title, status="pass", message=message)


def not_impl(name, function):
    return CheckResult(
        name=name, title=f"{function} runs", status="fail",
        message=f"{function} still raises NotImplementedError",
        diagnoses=[{"id": "not-implemented", "name": "not implemented yet", "function": function,
                    "explanation": "the stub is unchanged"}],
    )


def sample_report(reference: bool = False) -> GradeReport:
    """A run with every status: passed (with a warning), failed, not implemented, broken."""
    part1 = KataResult(
        id="part1", alias="softmax-ce", title="Numerically stable softmax cross-entropy", learner_file="part1_softmax_ce.py",
        checks=[
            ok("shapes", "Output shapes and dtypes", "loss is a float32 scalar; dlogits is (6, 5) float32"),
            ok("values", "Loss and gradient values", "max relative error 3.1e-08"),
            CheckResult(
                name="log-space", title="Loss stays finite far from the max", status="warn",
                message="loss is inf when the true class sits 800 below the row max",
                details=["expected loss 812.4, got inf"],
                call="softmax_cross_entropy(logits[6,5] float64 (+800 offset), y[6] int64)",
                seed=1234, hint=2,
                diagnoses=[{"id": "log-of-probs", "name": "log(probs) instead of log-sum-exp", "hint": 2,
                            "explanation": "np.log of an underflowed probability is -inf."}],
            ),
        ],
        duration_s=0.41,
    )
    part2 = KataResult(
        id="part2", alias="linear-backward", title="Linear layer backward", learner_file="part2_linear_backward.py",
        checks=[
            ok("shapes", "Gradient shapes", "dA (6, 4), dW (4, 3), db (3,)"),
            CheckResult(
                name="db-axis", title="Bias gradient", status="fail",
                message="db has shape (6,) but should be (3,) | one entry per output",
                details=["expected shape (3,), got (6,)", "summed over axis 1 instead of axis 0"],
                call="linear_backward(dZ[6,3] float32, A[6,4] float32, W[4,3] float32)",
                seed=1234, hint=1,
                diagnoses=[{"id": "bias-axis", "name": "bias summed over the wrong axis", "hint": 1,
                            "explanation": "db = dZ.sum(axis=0): one entry per output unit."}],
            ),
            CheckResult(
                name="no-mutation", title="Inputs left intact", status="error",
                message="the grader could not compare inputs: ValueError",
                details=["ValueError: operands could not be broadcast together"],
            ),
        ],
        output="debug: dW = [[0.1, 0.2]]\n<script>alert('x')</script>\n",
        output_truncated_bytes=2048,
        duration_s=0.38,
    )
    part3 = KataResult(
        id="part3", alias="relu-backward", title="ReLU backward", learner_file="part3_relu_backward.py",
        checks=[not_impl("forward", "relu_forward"), not_impl("backward", "relu_backward")],
    )
    part4 = KataResult(
        id="part4", alias="mlp-backward", title="Two-layer MLP backward", learner_file="part4_mlp_backward.py",
        fatal="SyntaxError: invalid syntax (part4_mlp_backward.py, line 12)",
    )
    return GradeReport(katas=[part1, part2, part3, part4], seed=1234,
                       workspace="/home/me/katas", reference=reference, tool_version="0.1.0")


@pytest.fixture
def report():
    return sample_report()


# ------------------------------------------------------------------ all formats

@pytest.mark.parametrize("fmt", rep.FORMATS)
def test_every_format_renders_every_kata(report, fmt):
    out = rep.render(report, fmt)
    for kata in report.katas:
        assert kata.id in out
        assert kata.title in out


def test_unknown_format_is_rejected(report):
    with pytest.raises(ValueError, match="text"):
        rep.render(report, "pdf")


def test_empty_report_renders(report):
    empty = GradeReport(katas=[], seed=7, workspace="/w")
    for fmt in rep.FORMATS:
        out = rep.render(empty, fmt)
        if fmt == "junit":  # JUnit has no place for a run's seed, only for each suite's
            assert ET.fromstring(out).get("tests") == "0"
        else:
            assert "7" in out


# ------------------------------------------------------------------ json

def test_json_round_trips(report):
    data = json.loads(rep.render(report, "json"))
    assert data["version"] == SCHEMA_VERSION
    assert data["seed"] == 1234
    for kata in data["katas"]:  # the JSON renderer adds each problem's hint title from the facts
        for problem in kata["problems"]:
            assert problem.pop("hint_title") == ""  # no facts here
    assert data == json.loads(json.dumps(report.to_dict()))
    assert data["katas"][1]["problems"] == [{
        "id": "bias-axis", "name": "bias summed over the wrong axis", "hint": 1,
        "explanation": "db = dZ.sum(axis=0): one entry per output unit.", "evidence": [], "checks": ["db-axis"]}]
    assert data["katas"][2]["problems"] == []  # a stub is waiting, not a problem
    assert [c["status"] for c in data["katas"][1]["checks"]] == ["pass", "fail", "error"]
    assert data["katas"][0]["checks"][2]["status"] == "warn"


# ------------------------------------------------------------------ text

def test_text_headlines(report):
    lines = rep.render(report, "text").splitlines()
    heads = {l.split()[0]: l for l in lines if l and not l.startswith(" ") and l.split()[0].startswith("part")}
    assert heads["part1"].endswith("— PASSED (3/3 checks, 1 warning)")
    assert "softmax-ce" in heads["part1"]
    assert heads["part2"].endswith("— FAILED (2 of 3 checks failed, 1 error)")
    assert heads["part3"].endswith("— NOT IMPLEMENTED (2 checks waiting)")
    assert heads["part4"].endswith("— ERROR (no checks ran)")


def flat(text: str) -> str:
    """`text` with its wrapping undone, for facts that may span lines."""
    return " ".join(text.split())


def test_text_failure_details(report):
    out = rep.render(report, "text")
    # The problem leads, once, with its explanation and hint ...
    assert out.index("problems (1)") < out.index("1. bias summed over the wrong axis") < out.index("✗ Bias gradient")
    assert "db = dZ.sum(axis=0): one entry per output unit." in out
    assert "explains: Bias gradient" in out
    assert "hint: `kata hint part2 --level 1`" in out
    # ... and the check it explains points to it instead of repeating it.
    assert "db has shape (6,) but should be (3,)" in out
    assert "→ problem 1: bias summed over the wrong axis" in out
    assert out.count("one entry per output unit.") == 1
    # The seed is said once, at the bottom, never per check.
    assert "seed: 1234" not in out and out.count("1234") == 2  # the summary and the rerun command
    # An exception of the learner's code points to its traceback, not to a hint.
    assert "E Inputs left intact" in out
    assert "ValueError: operands could not be broadcast together" in out
    # A warning keeps its own diagnosis and hint (it is no problem of a failed kata).
    assert "! Loss stays finite far from the max" in out
    assert "likely cause: log(probs) instead of log-sum-exp" in out
    assert "hint: `kata hint part1 --level 2`" in out


def test_text_passing_checks_are_one_line(report):
    out = rep.render(report, "text")
    i = out.index("✓ Gradient shapes")
    following = [line for line in out[i:].splitlines()[1:] if line.strip()][0]
    assert following.lstrip().startswith("✗ Bias gradient")


def test_text_not_implemented_collapses(report):
    out = flat(rep.render(report, "text"))
    assert ("not implemented yet: relu_forward, relu_backward — fill in part3_relu_backward.py"
            " and run `kata grade part3`") in out
    assert "relu_forward runs" not in out  # the individual checks are not listed


def test_text_fatal_and_output(report):
    out = rep.render(report, "text")
    assert "grading stopped:" in out
    assert "      SyntaxError: invalid syntax (part4_mlp_backward.py, line 12)" in out
    assert "your code printed:\n    debug: dW = [[0.1, 0.2]]\n" in out
    assert "… 2048 more bytes not shown" in out


def test_text_summary_and_rerun(report):
    out = rep.render(report, "text")
    tail = out.rstrip("\n").splitlines()
    summary = next(l for l in tail if "katas passed" in l)
    assert summary.startswith("1 of 4 katas passed")
    assert "seed 1234" in summary
    assert "reference" not in summary
    assert "rerun the same cases: kata repro part2 --seed 1234" in out
    for kid in ("part1", "part3", "part4"):  # passed, or the inputs do not matter yet
        assert f"kata repro {kid} --seed" not in out


def test_a_file_that_does_not_load_has_no_case_to_rerun():
    broken = KataResult(id="part4", alias="a", title="T", fatal="syntax error in part4_mlp_backward.py, line 2",
                        checks=[CheckResult("load", "part4_mlp_backward.py imports", "error", "syntax error")])
    failing = KataResult(id="part2", alias="b", title="U",
                         checks=[CheckResult("values", "V", "fail", "dW is off", seed=7)])
    out = rep.render(GradeReport(katas=[broken, failing], seed=7, workspace="/ws"), "text")
    assert "kata repro part2 --seed 7" in out
    assert "kata repro part4" not in out


def test_text_all_passed_has_no_rerun():
    r = GradeReport(katas=[KataResult(id="part1", alias="a", title="T", checks=[ok("x", "X")])],
                    seed=5, workspace="/w", reference=True)
    out = rep.render(r, "text")
    assert "1 of 1 katas passed" in out
    assert "reference solutions" in out
    assert "--seed" not in out


def test_text_color_only_when_asked(report):
    plain = rep.render(report, "text", color=False)
    colored = rep.render(report, "text", color=True)
    assert not ANSI.search(plain)
    assert "\x1b[31;1m✗\x1b[0m" in colored
    assert "\x1b[32;1mPASSED\x1b[0m" in colored
    assert ANSI.sub("", colored) == plain


def test_text_ascii_fallback(report):
    out = rep.render(report, "text", ascii=True)
    assert out.isascii()
    assert "x Bias gradient" in out


def test_other_formats_never_contain_ansi(report):
    for fmt in ("md", "html", "json"):
        assert not ANSI.search(rep.render(report, fmt, color=True))


# ------------------------------------------------------------------ markdown

def test_markdown_tables_and_details(report):
    out = rep.render(report, "md")
    assert "| part2 " in out or "| `part2`" in out
    # a pipe in a message must not split the table row
    assert "should be (3,) \\| one entry per output" in out
    row = next(l for l in out.splitlines() if "Bias gradient" in l and l.startswith("|"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 4  # 3 columns
    assert "`kata repro part2 --seed 1234`" in out
    assert "`linear_backward(dZ[6,3] float32, A[6,4] float32, W[4,3] float32)`" in out
    assert "bias summed over the wrong axis" in out
    assert "`kata hint part2 --level 1`" in out
    assert "Not implemented yet: `relu_forward`, `relu_backward`. Fill in `part3_relu_backward.py`" in out
    assert "SyntaxError: invalid syntax" in out
    assert "2048 more bytes not shown" in out


def test_markdown_code_helpers():
    assert filters.md_code("a`b") == "``a`b``"
    assert filters.md_code("x  y\nz") == "`x y z`"
    assert filters.md_fence("```\nhi").startswith("````")
    assert filters.md_cell("a|b\nc <d>") == "a\\|b c &lt;d&gt;"


# ------------------------------------------------------------------ html

def test_html_is_one_self_contained_page(report):
    out = rep.render(report, "html")
    assert out.lstrip().lower().startswith("<!doctype html>")
    assert "http://" not in out and "https://" not in out
    assert "<link" not in out and "<img" not in out and "@import" not in out
    assert "<script" not in out.lower()  # no JS of our own, and the learner's is escaped


def test_html_escapes_learner_output(report):
    out = rep.render(report, "html")
    assert "&lt;script&gt;alert(" in out
    assert "<details" in out and "2048 more bytes not shown" in out


def test_html_shows_failure_facts(report):
    out = rep.render(report, "html")
    assert "db has shape (6,) but should be (3,)" in out
    assert "kata repro part2 --seed 1234" in out
    assert "kata hint part2" in out
    assert "bias summed over the wrong axis" in out
    assert "linear_backward(dZ[6,3] float32" in out
    assert "<code>relu_forward</code>, <code>relu_backward</code>" in out
    assert "<code>part3_relu_backward.py</code>" in out
    assert "SyntaxError: invalid syntax" in out
    assert "/home/me/katas" in out
    for status in ("pass", "fail", "warn", "error"):
        assert f'class="badge {status}"' in out


def test_html_reference_badge():
    assert "reference solutions" not in rep.render(sample_report(), "html")
    assert "reference solutions" in rep.render(sample_report(reference=True), "html")


# ------------------------------------------------------------------ helpers

def test_plural():
    assert filters.plural(1, "check") == "1 check"
    assert filters.plural(0, "check") == "0 checks"
    assert filters.plural(2, "kata", "katas") == "2 katas"


class FakeStream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize("env, tty, expected", [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": ""}, True, True),
    ({"TERM": "dumb"}, True, False),
])
def test_should_color(monkeypatch, env, tty, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert rep.should_color(FakeStream(tty)) is expected


def test_should_color_without_isatty(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert rep.should_color(object()) is False


def test_import_is_light():
    code = ("import sys, grader.reporting, grader.reporting.text, grader.reporting.junit; "
            "print(','.join(m for m in ('jinja2', 'numpy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == ""
