"""`kata watch` on the operating system's notifications: the waiter itself on a real
folder, the loop with the waiter faked, and the command end to end. No assertion
depends on how fast anything is; waits only bound how long a failure takes to show."""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.curriculum.catalog import Catalog
from grader.grading.watch import NativeWait, Watcher, contents
from grader.workspace.files import init_workspace

pytest.importorskip("watchfiles")
ROOT = Path(__file__).resolve().parents[1]
CATALOG = Catalog.builtin()


def next_batch(wait: NativeWait, seconds: float = 30.0) -> list[str]:
    got: list = []
    thread = threading.Thread(target=lambda: got.append(wait()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert got, "no change reported"
    return got[0]


def test_the_os_reports_a_save_and_nothing_the_grader_writes(tmp_path):
    init_workspace(tmp_path, list(CATALOG))
    wait = NativeWait(tmp_path)
    try:
        time.sleep(0.3)   # let the watcher start (a change before it would only be seen by the first poll)
        (tmp_path / ".kata-workspace.json").write_text("{}")          # the progress record
        (tmp_path / ".kata-backups").mkdir(exist_ok=True)
        (tmp_path / ".kata-backups" / "part1_softmax_ce.py").write_text("x = 1")   # a backup
        (tmp_path / "repro").mkdir()
        (tmp_path / "repro" / "case.py").write_text("x = 1")           # any folder: repro cases, checkpoints
        (tmp_path / "notes.txt").write_text("not code")
        (tmp_path / "part2_linear_backward.py").write_text("x = 2\n")  # a save
        assert next_batch(wait) == ["part2_linear_backward.py"]
        (tmp_path / "core_question.ipynb").write_text("{}")
        assert next_batch(wait) == ["core_question.ipynb"]
    finally:
        wait.close()


def test_contents_ignore_a_save_that_changes_nothing(tmp_path):
    (tmp_path / "part1_softmax_ce.py").write_text("x = 1\n")
    before = contents(tmp_path)
    (tmp_path / "part1_softmax_ce.py").write_text("x = 1\n")   # an editor writing the same bytes again
    os.utime(tmp_path / "part1_softmax_ce.py", ns=(1, 1))
    assert contents(tmp_path) == before
    (tmp_path / "part1_softmax_ce.py").write_text("x = 2\n")
    assert contents(tmp_path) != before


def test_the_loop_waits_for_the_os_instead_of_sleeping():
    files = {"part1_softmax_ce.py": "a"}
    graded, waits = [], []

    def wait():
        waits.append(1)
        if len(waits) == 2:
            files["part1_softmax_ce.py"] = "b"   # the learner saved
        return ["part1_softmax_ce.py"]

    def grade(kata):
        graded.append(kata.id)
        return type("R", (), {"passed": False, "status": "failed", "fatal": None, "checks": [], "id": kata.id})()

    def sleep(seconds):
        raise AssertionError("a native watch never sleeps between looks")

    watcher = Watcher(CATALOG.katas, CATALOG.get("part1"), grade, lambda s, r: None, lambda: dict(files),
                      sleep=sleep, wait=wait, clock=lambda: 0.0)
    watcher.run(max_polls=3)
    assert graded == ["part1", "part1"] and len(waits) == 3   # one event changed nothing: no grade


def test_a_notebook_save_grades_its_kata():
    watcher = Watcher(CATALOG.katas, CATALOG.get("part1"), None, None, dict)
    assert watcher._kata_for(["part4_mlp_backward.ipynb"]).id == "part4"
    assert watcher._kata_for(["core_question.ipynb"]).id == "part1"   # the kata being worked on


def test_watch_command_regrades_on_a_save_reported_by_the_os(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, list(CATALOG))
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_WORKSPACE", "NO_COLOR")}
    proc = subprocess.Popen([sys.executable, "-m", "grader", "watch", "part2", "-w", str(ws)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen, deadline = "", time.monotonic() + 90

    def read_until(marker: str) -> None:
        nonlocal seen
        while marker not in seen and time.monotonic() < deadline:
            try:
                seen += lines.get(timeout=0.5)
            except queue.Empty:
                continue
        assert marker in seen, seen

    try:
        read_until("part2 not implemented yet")
        shutil.copyfile(CATALOG.get("part2").reference_path, ws / "part2_linear_backward.py")
        read_until("✓ part2 passed")
    finally:
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.wait(timeout=30)
    assert proc.returncode == 0 and "stopped watching" in err and "Traceback" not in err
    assert "checking the files every" not in err   # the OS reported the save: no fallback to polling


def test_plain_grading_and_help_import_no_notebook_or_watch_library(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, list(CATALOG))
    code = ("import sys\nfrom grader.cli import main\n"
            "for argv in (['--help'], ['grade', 'part2', '-w', sys.argv[1]]):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "    print(argv[0], sorted(m for m in ('nbformat', 'IPython', 'watchfiles', 'nbclient', 'ipykernel', "
            "'grader.notebook.cells') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code, str(ws)], capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("--help ", "grade "))]
    assert lines == ["--help []", "grade []"], done.stdout + done.stderr
