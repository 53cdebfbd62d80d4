"""`kata grade-class`: a small class graded in parallel, hostile submissions included.

The class grades only the NumPy katas part1 and part2 (fast: no torch), with a
2 s time limit so the endless loop costs little. One module-scoped run is shared
by the read-only tests; the tests that change files work on copies.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.classroom import gradebook as book
from grader.classroom import pool, records, submissions
from grader.classroom import run as class_run
from grader.curriculum.catalog import Catalog
from grader.workspace.state import STATE_FILE
from grader.workspace.files import init_workspace

CATALOG = Catalog.builtin()
KATAS = [CATALOG.get("part1"), CATALOG.get("part2")]
TIMEOUT = 2.0
SEED = class_run.DEFAULT_SEED
P1, P2 = "part1_softmax_ce.py", "part2_linear_backward.py"

LOOP = """
import numpy as np

def linear_forward(A, W, b):
    while True:
        pass

def linear_backward(dZ, A, W):
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
"""
SEGFAULT = """
import ctypes

def linear_forward(A, W, b):
    return ctypes.string_at(0)

def linear_backward(dZ, A, W):
    return ctypes.string_at(0)
"""
KILLS_ITS_GRADER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"


def ref(kata_id: str) -> str:
    return CATALOG.get(kata_id).reference_path.read_text(encoding="utf-8")


def example(kata_id: str, folder: str, name: str) -> str:
    return (CATALOG.get(kata_id).folder / folder / name).read_text(encoding="utf-8")


def stub(kata_id: str) -> str:
    return CATALOG.get(kata_id).stub_path.read_text(encoding="utf-8")


def submission(root: Path, sub_id: str, files: dict[str, str], workspace: bool = True) -> Path:
    folder = root / sub_id
    if workspace:
        init_workspace(folder, list(CATALOG))
    else:
        folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def make_class(root: Path) -> None:
    submission(root, "alice", {P1: ref("part1"), P2: ref("part2")})
    submission(root, "bob", {P1: example("part1", "mistakes", "no_batch_divide.py"), P2: ref("part2")})
    submission(root, "lms/carol", {P1: ref("part1"), P2: stub("part2")}, workspace=False)
    submission(root, "=dave", {P1: example("part1", "mistakes", "no_batch_divide.py"),
                                   P2: example("part2", "variants", "einsum.py")}, workspace=False)
    submission(root, "hostile/loop", {P1: ref("part1"), P2: LOOP})
    submission(root, "hostile/exit", {P1: "import os\nos._exit(0)\n", P2: SEGFAULT})
    # Not submissions: a workspace's backups, a hidden folder, a folder without learner files.
    backups = root / "alice" / ".kata-backups" / "20240101-000000-000000"
    backups.mkdir(parents=True)
    (backups / P1).write_text("x = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / P1).write_text("x = 1\n")
    (root / "notes").mkdir()
    (root / "notes" / "README.md").write_text("grading notes\n")


def snapshot(folder: Path) -> dict:
    """relative path -> (mtime_ns, sha256 of the bytes) for every file and folder."""
    tree = {}
    for path in sorted(folder.rglob("*")):
        st = path.stat()
        tree[path.relative_to(folder).as_posix()] = (
            st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None)
    return tree


def grade(root: Path, out: Path, **kw):
    kw.setdefault("katas", KATAS)
    kw.setdefault("jobs", 2)
    kw.setdefault("timeout", TIMEOUT)
    return class_run.grade_class(root, out, CATALOG, seed=SEED, **kw)


def gradebook(out: Path) -> dict[str, dict]:
    with open(out / book.GRADEBOOK, newline="", encoding="utf-8") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def job_processes(token: str) -> list[int]:
    needle = f"{pool.TOKEN_VAR}={token}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(root, out, run, files before grading, files after) of one graded class."""
    base = tmp_path_factory.mktemp("class")
    root, out = base / "submissions", base / "grades"
    make_class(root)
    before = snapshot(root)
    run = grade(root, out)
    return root, out, run, before, snapshot(root)


IDS = ["=dave", "alice", "bob", "hostile/exit", "hostile/loop", "lms/carol"]


def test_discovers_workspaces_and_lms_folders_only(graded):
    root, _, run, _, _ = graded
    assert [s.id for s in run.submissions] == IDS
    kinds = {s.id: s.kind for s in run.submissions}
    assert kinds["alice"] == "workspace" and kinds["lms/carol"] == "files"


def test_gradebook_has_points_per_kata_total_and_status(graded):
    _, out, run, _, _ = graded
    text = (out / book.GRADEBOOK).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "submission,part1,part2,total,max,status"
    rows = gradebook(out)
    assert set(rows) == {i for i in IDS if i != "=dave"} | {"'=dave"}  # formula defused
    assert rows["alice"] == {"submission": "alice", "part1": "10", "part2": "10", "total": "20", "max": "20",
                             "status": "passed"}
    bob = rows["bob"]
    assert 0 < float(bob["part1"]) < 10 and bob["part2"] == "10" and bob["status"] == "failed"
    assert float(bob["total"]) == pytest.approx(float(bob["part1"]) + 10)
    assert rows["lms/carol"]["part2"] == "0" and rows["lms/carol"]["status"] == "failed"
    assert rows["'=dave"]["part2"] == "10"
    # Hostile submissions are graded (and score 0 where their code stopped); the rest went on.
    assert rows["hostile/loop"]["part1"] == "10" and rows["hostile/loop"]["part2"] == "0"
    assert rows["hostile/loop"]["status"] == "error"
    assert rows["hostile/exit"]["total"] == "0" and rows["hostile/exit"]["status"] == "error"
    assert not run.not_graded and not run.interrupted


def test_hostile_results_say_what_happened(graded):
    _, _, run, _, _ = graded
    loop = {k["id"]: k for k in run.records["hostile/loop"]["report"]["katas"]}
    assert loop["part2"]["fatal"].startswith("time limit reached in linear_forward()")
    exits = {k["id"]: k for k in run.records["hostile/exit"]["report"]["katas"]}
    assert "exit code 0" in exits["part1"]["fatal"]
    assert "segmentation fault" in exits["part2"]["fatal"]
    assert run.records["hostile/exit"]["stopped"] == ["part1", "part2"]


def test_one_html_report_per_submission(graded):
    _, out, run, _, _ = graded
    for sub in run.submissions:
        html = (out / records.REPORTS_DIR / f"{sub.safe_id}.html").read_text(encoding="utf-8")
        assert html.startswith("<!doctype html>") and f"<code>{sub.id}</code>" in html.replace("&#61;", "=")
        assert (out / records.RESULTS_DIR / f"{sub.safe_id}.json").is_file()
    assert len(list((out / records.REPORTS_DIR).iterdir())) == len(IDS)


def test_summary_shows_pass_rates_and_common_diagnoses(graded):
    _, out, _, _, _ = graded
    meta = json.loads((out / book.RUN_FILE).read_text())
    assert meta["settings"]["seed"] == SEED and meta["settings"]["katas"] == ["part1", "part2"]
    part1 = meta["katas"][0]
    assert part1["id"] == "part1" and part1["pass_rate"] == pytest.approx(50.0)  # alice, carol, loop
    assert {"id": "missing-1-over-B", "count": 2, "percent": 33.3} in part1["diagnoses"]
    html = (out / book.SUMMARY).read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "33% of submissions: Missing 1/B (missing-1-over-B)" in text
    bob = submissions.safe_id("bob")
    assert f'href="reports/{bob}.html#part1-' in html          # links to the check that found it
    assert 'href="reports/alice.html"' in html                   # the submission table
    assert "seed" in text and str(SEED) in text


def test_submissions_are_never_written(graded):
    _, _, _, before, after = graded
    assert after == before
    assert STATE_FILE in {Path(p).name for p in before}


def test_rerun_regrades_only_what_changed(graded, tmp_path):
    root, out, _, _, _ = graded
    root2, out2 = tmp_path / "submissions", tmp_path / "grades"
    shutil.copytree(root, root2)
    shutil.copytree(out, out2)
    again = grade(root2, out2)
    assert again.graded == [] and sorted(again.skipped) == IDS
    assert gradebook(out2) == gradebook(out)
    (root2 / "bob" / P1).write_text(ref("part1"), encoding="utf-8")
    third = grade(root2, out2)
    assert third.graded == ["bob"]
    assert gradebook(out2)["bob"]["status"] == "passed"
    # Other settings (here the seed) are another grading: everything again.
    assert len(class_run.grade_class(root2, out2, CATALOG, katas=KATAS[:1], jobs=2, timeout=TIMEOUT, seed=7).graded) == 6


def test_cli_reuses_the_results_and_reports_progress(graded, tmp_path):
    root, out, _, _, _ = graded
    out2 = tmp_path / "grades"
    shutil.copytree(out, out2)
    (tmp_path / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_WORKSPACE", "KATA_PATH")}
    args = [sys.executable, "-m", "grader", "grade-class", str(root), "--out", str(out2), "-k", "part1",
            "-k", "linear-backward", "--timeout", str(TIMEOUT), "--jobs", "2"]
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 submissions (0 graded now, 6 already graded)" in done.stdout
    assert f"gradebook  {out2 / book.GRADEBOOK}" in done.stdout
    forced = subprocess.run(args + ["--force", "-k", "part1"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    lines = [line for line in forced.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 6 and lines[-1].startswith("[6/6]") and "elapsed, ETA" in lines[-1]
    assert gradebook(out2) == gradebook(out)


def test_cli_usage_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    done = subprocess.run([sys.executable, "-m", "grader", "grade-class", str(tmp_path / "empty")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no submissions under" in done.stderr
    submission(tmp_path, "solo", {P1: ref("part1")})
    with pytest.raises(class_run.ClassGradeError, match="inside the submission solo"):
        grade(tmp_path, tmp_path / "solo" / "grades")
    assert not (tmp_path / "solo" / "grades").exists()


def test_a_submission_cannot_kill_its_grader_under_isolation(tmp_path):
    from grader.sandbox.isolation import current_isolation

    if not current_isolation().isolated:
        pytest.skip("needs namespace or uid isolation")
    root, out = tmp_path / "submissions", tmp_path / "grades"
    submission(root, "good", {P1: ref("part1"), P2: ref("part2")})
    submission(root, "killer", {P1: KILLS_ITS_GRADER, P2: ref("part2")})
    run = grade(root, out)
    assert run.records["good"]["status"] == "passed"
    assert run.records["killer"]["status"] in ("failed", "error") and not run.not_graded
    assert run.records["killer"]["points"]["part2"] == run.records["killer"]["max_points"]["part2"]


def test_a_worker_killed_by_its_submission_is_not_graded_and_the_rest_go_on(tmp_path, monkeypatch):
    # Only possible without isolation, which grade-class then insists is asked for.
    monkeypatch.setenv("KATA_ISOLATION", "process")
    root, out = tmp_path / "submissions", tmp_path / "grades"
    submission(root, "good", {P1: ref("part1"), P2: ref("part2")})
    submission(root, "killer", {P1: KILLS_ITS_GRADER, P2: ref("part2")})
    with pytest.raises(class_run.ClassGradeError, match="--allow-unisolated"):
        grade(root, out)
    run = grade(root, out, allow_unisolated=True)
    assert run.records["good"]["status"] == "passed"
    killer = run.records["killer"]
    assert killer["status"] == records.NOT_GRADED and "killed by SIGKILL" in killer["error"]
    assert killer["total"] == 0 and killer["max"] == 20
    assert run.not_graded == ["killer"]
    assert not job_processes(killer["job"])
    assert gradebook(out)["killer"]["status"] == "not-graded"
    assert (out / records.REPORTS_DIR / "killer.html").is_file()
    assert grade(root, out, allow_unisolated=True).graded == ["killer"]  # a failed grading is tried again


def test_the_wall_clock_guard_stops_a_stuck_submission_and_everything_it_started(tmp_path):
    root, out = tmp_path / "submissions", tmp_path / "grades"
    submission(root, "stuck", {P1: ref("part1"), P2: LOOP})
    run = grade(root, out, timeout=60, wall_limit=2.0)  # the sandbox would wait 60 s; the guard does not
    record = run.records["stuck"]
    assert record["status"] == records.NOT_GRADED and "longer than 2 s" in record["error"]
    assert record["duration_s"] < 10
    assert not job_processes(record["job"])


def test_an_internal_grader_error_is_not_held_against_the_submission(tmp_path, monkeypatch):
    from grader.grading import engine
    from grader.model.results import ERROR, CheckResult, KataResult

    def sandbox_did_not_start(kata, source, seed, timeout, memory_mb, **options):
        result = KataResult(kata.id, kata.alias, kata.title, kata.learner_file, fatal_internal=True,
                            fatal="internal grader error: the sandbox did not start (it was not ready after 120 s)")
        result.checks.append(CheckResult("load", "imports", ERROR, result.fatal, internal=True))
        return result

    monkeypatch.setattr(engine, "grade_kata", sandbox_did_not_start)
    folder = submission(tmp_path, "ann", {P1: ref("part1"), P2: ref("part2")})
    record, html = records.grade_submission(submissions.Submission("ann", folder, "workspace"), KATAS, SEED, TIMEOUT, 512, CATALOG)
    assert record["status"] == records.NOT_GRADED  # so the next run grades it again
    assert record["error"] == "internal grader error in part1, part2 (see the report)"
    assert "the sandbox did not start" in html


def test_the_folder_itself_is_a_submission_only_when_nothing_below_is(tmp_path):
    (tmp_path / P1).write_text("stray copy\n")
    assert [(s.id, s.kind) for s in submissions.discover(tmp_path, CATALOG)] == [(".", "files")]
    submission(tmp_path, "sec/ann", {P1: ref("part1")}, workspace=False)
    assert [s.id for s in submissions.discover(tmp_path, CATALOG)] == ["sec/ann"]
    assert [s.id for s in submissions.discover(tmp_path, CATALOG, exclude=[tmp_path / "sec"])] == ["."]


def test_safe_ids_and_csv_cells():
    assert submissions.safe_id("alice") == "alice"
    ids = ["a/b", "a_b", "a b", "a__b", ".", "=x", "x" * 200, "émile", "Alice", "ALICE"]
    # A folder named exactly like another id's hashed form must not share its files.
    ids += [submissions.safe_id("a b"), submissions.safe_id("Alice").lower()]
    safe = [submissions.safe_id(i) for i in ids]
    assert len(set(safe)) == len(ids)
    assert len({s.lower() for s in safe}) == len(ids)  # not even on a case-insensitive file system
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s) and len(s) <= 80 for s in safe)
    assert [book.csv_cell(x) for x in ("=1+1", "+1", "-1", "@SUM(A1)", "ok", "a=b")] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "ok", "a=b"]
