"""`--format prairielearn` and the `prairielearn/run` entry script, tested the way the
Gradescope recipe is: a fake job folder, a failing submission, a hostile one, a broken
install, and a results.json written every time."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import reporting
from grader.curriculum.catalog import Catalog
from grader.grading.session import facts_for
from grader.model.results import ERROR, FAIL, PASS, CheckResult, GradeReport, KataResult

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "prairielearn" / "run"
CATALOG = Catalog.builtin()


def validate(text: str) -> dict:
    """PrairieLearn's external-grader results, as `<pl-external-grader-results>` reads them."""
    data = json.loads(text)
    assert isinstance(data["gradable"], bool)
    assert isinstance(data["score"], (int, float)) and 0.0 <= data["score"] <= 1.0
    assert isinstance(data["message"], str)
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert {"name", "points", "max_points", "output"} <= set(test), test
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["points"] <= test["max_points"] + 1e-9
    possible = sum(t["max_points"] for t in data["tests"])
    if data["gradable"] and possible:
        assert data["score"] == pytest.approx(sum(t["points"] for t in data["tests"]) / possible, abs=1e-4)
    assert len(text.encode()) < 1 << 20
    return data


def report(*checks, internal=False) -> GradeReport:
    kata = KataResult("part2", "linear-backward", "Linear layer", "part2_linear_backward.py",
                      checks=list(checks), fatal_internal=internal)
    return GradeReport([kata], 7, "ws", isolation="namespaces")


def render(rep: GradeReport) -> dict:
    return validate(reporting.render(rep, "prairielearn", facts=facts_for(CATALOG, rep)))


def test_scores_and_tests_follow_the_kata_points():
    data = render(report(CheckResult("shapes", "Output shapes and dtypes", PASS, "ok"),
                         CheckResult("backward", "linear_backward matches", FAIL, "dW is off", ["worst at [0, 1]"])))
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["part2 · Output shapes and dtypes"]["points"] == by_name["part2 · Output shapes and dtypes"][
        "max_points"] > 0
    failed = by_name["part2 · linear_backward matches"]
    assert failed["points"] == 0 and "worst at [0, 1]" in failed["output"] and failed["message"].startswith("FAIL")
    assert sum(t["max_points"] for t in data["tests"]) == pytest.approx(CATALOG.get("part2").points)
    not_run = [t for t in data["tests"] if "did not run" in t["message"]]
    assert not_run and all(t["points"] == 0 for t in not_run)
    assert data["gradable"] and 0 < data["score"] < 1 and "--seed 7" in data["message"]


def test_a_grader_failure_is_not_gradable():
    data = render(report(CheckResult("shapes", "Output shapes", ERROR, "internal grader error", internal=True)))
    assert data["gradable"] is False and data["format_errors"]


def test_a_pass_scores_one():
    rep = GradeReport([KataResult("part2", "linear-backward", "Linear", checks=[
        CheckResult(name, title, PASS, "ok") for name, title in facts_for(CATALOG, report()).get("part2").planned])],
        1, "ws")
    assert render(rep)["score"] == 1.0


# ------------------------------------------------------------------ prairielearn/run

def run_job(root: Path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "PL_GRADE_ROOT": str(root), "KATA_PYTHON": sys.executable, **env}
    full.pop("KATA_WORKSPACE", None)
    return subprocess.run([sys.executable, str(RUN)], env=full, capture_output=True, text=True, timeout=300,
                          cwd=root)


def results(root: Path) -> dict:
    return validate((root / "results" / "results.json").read_text(encoding="utf-8"))


def job(tmp_path: Path, files: dict[str, str | Path], data: dict | None = None) -> Path:
    root = tmp_path / "grade"
    (root / "student" / "sub").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps(data or {"params": {}}))
    for name, content in files.items():
        target = root / "student" / ("sub/" + name if name.startswith("part1") else name)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_text(content)
    return root


def test_run_grades_a_failing_submission(tmp_path):
    part1, part2 = CATALOG.get("part1"), CATALOG.get("part2")
    root = job(tmp_path, {part1.learner_file: part1.reference_path,
                          part2.learner_file: part2.folder / "mistakes" / "divides_by_b.py"})
    done = run_job(root)
    assert done.returncode == 0, done.stderr
    data = results(root)
    katas = {t["name"].split(" · ")[0] for t in data["tests"]}
    assert katas == {"part1", "part2"}                       # the katas that were submitted
    assert data["gradable"] and 0.4 < data["score"] < 1
    assert any("1/B" in t["output"] for t in data["tests"] if t["points"] < t["max_points"])
    assert "isolation:" in done.stdout


def test_run_takes_the_katas_from_the_question_data_and_grades_a_notebook(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from nbformat.v4 import new_code_cell, new_notebook

    part3 = CATALOG.get("part3")
    nb = new_notebook()
    nb.cells = [new_code_cell("%load_ext grader\n!nvidia-smi"), new_code_cell(part3.reference_path.read_text()),
                new_code_cell("%kata grade part3")]
    root = job(tmp_path, {"my_work.ipynb": nbformat.writes(nb)}, {"params": {"katas": ["relu-backward"]}})
    assert run_job(root).returncode == 0
    data = results(root)
    assert data["score"] == 1.0 and {t["name"].split(" · ")[0] for t in data["tests"]} == {"part3"}


HOSTILE = '''
import os, json, sys
RESULTS = {results!r}
forged = {{"gradable": True, "score": 1.0, "message": "forged", "tests": []}}
try:
    with open(RESULTS, "w") as f:
        json.dump(forged, f)
except Exception:
    pass
try:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            import time
            time.sleep(1.5)
            try:
                with open(RESULTS, "w") as f:
                    json.dump(forged, f)
            except Exception:
                pass
        os._exit(0)
except Exception:
    pass

def linear_forward(A, W, b):
    return A @ W + b

def linear_backward(dZ, A, W):
    while True:
        pass
'''


def test_run_holds_against_a_hostile_submission(tmp_path):
    part2 = CATALOG.get("part2")
    root = tmp_path / "grade"
    source = HOSTILE.format(results=str(root / "results" / "results.json"))
    root = job(tmp_path, {part2.learner_file: source})
    (root / "results").mkdir()
    done = run_job(root, KATA_TIMEOUT="1", KATAS="part2")
    assert done.returncode == 0, done.stderr
    time.sleep(2.5)   # the daemon, had it survived, would have written by now
    data = results(root)
    assert data["message"] != "forged" and data["score"] < 1
    assert any("1 s" in t["message"] or "1 s" in t["output"] for t in data["tests"])


def test_run_writes_results_when_grading_crashes(tmp_path):
    root = job(tmp_path, {})
    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'no module named grader' >&2\nexit 3\n")
    broken.chmod(0o755)
    assert run_job(root, KATA_PYTHON=str(broken)).returncode == 0
    data = results(root)
    assert data["gradable"] is False and data["score"] == 0 and "kata init" in data["message"]


def test_run_without_any_job_folder(tmp_path):
    root = tmp_path / "grade"
    root.mkdir()
    assert run_job(root, KATA_PYTHON=str(tmp_path / "missing-python")).returncode == 0
    assert "FileNotFoundError" in results(root)["message"]


def test_the_recipe_is_complete():
    folder = ROOT / "prairielearn"
    assert os.access(RUN, os.X_OK)
    dockerfile = (folder / "Dockerfile").read_text()
    assert "prairielearn/run" in dockerfile and "torch==" not in dockerfile.replace('"torch==[^"]*"', "")
    info = json.loads((folder / "example-question" / "info.json").read_text())
    options = info["externalGradingOptions"]
    assert options["entrypoint"] == "/usr/local/bin/kata-prairielearn" and options["timeout"] > 100
    assert "/usr/local/bin/kata-prairielearn" in dockerfile
