"""Warm sandboxes against the cold path and against the checks' own time, in one run.

    python benchmarks/warm.py [-n 100] [--jobs 2] [--watch-saves 10] [--skip class|validate|watch|suite ...]

Each task runs twice, warm (the default) and cold (KATA_WARM=0: every kata
starts a sandbox of its own, the path every grade took before warm sandboxes),
one after the other in the same run:

1. `kata grade-class` on a class of N submissions x every kata (benchmarks/
   make_class.py, seed 0, hostile submissions included), --jobs J. The outcome
   is checked against the class's manifest, warm and cold alike.
2. `kata validate` on every kata.
3. `kata watch part5`: the time from a save of the learner's file (a changed
   comment) to the next report on the watch's output, median of --watch-saves
   saves.
4. The test suite (`pytest -q`).

The floor of each is the checks' own time, measured in the same run: what the
grader spends between a kata's module being loaded and its last check (the
learner's code, the comparisons, the round trips to the sandbox), so not the
sandboxes' start-up. grade-class reads it from its records (the katas'
`checks_s`) and divides by J; validate and the suite add it up in-process
(benchmarks/checks_time.py; validate divided by its J, the suite by the number of
pytest-xdist workers that graded, counting the grades made in the workers' own
processes); watch takes it from the watched grade's
JSON report.

Reported: seconds warm and cold, the ratio warm/cold, the floor, and warm/floor.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from grade_class import agreement  # noqa: E402
from make_class import make_class  # noqa: E402

TASKS = ("class", "validate", "watch", "suite")


def environment(cold: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_WORKSPACE", "KATA_PATH", "KATA_WARM")}
    env["NO_COLOR"] = "1"
    if cold:
        env["KATA_WARM"] = "0"
    return env


def run(command: list, cold: bool, **kw) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *map(str, command)], env=environment(cold), cwd=ROOT, text=True, **kw)
    return time.perf_counter() - started, done


def in_process(tool: str, args: list, cold: bool, work: Path) -> tuple[float, dict, int]:
    """(wall seconds, checks' figures, exit status) of `tool args` under checks_time.py."""
    out = work / f"checks-{tool}-{'cold' if cold else 'warm'}.json"
    seconds, _ = run([ROOT / "benchmarks" / "checks_time.py", out, tool, *args], cold,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures = json.loads(out.read_text())
    return seconds, figures, figures["exit"]


def grade_class(work: Path, n: int, jobs: int) -> dict:
    klass = work / "class"
    manifest = make_class(klass, n, seed=0, hostile=True)
    row = {"task": f"`kata grade-class`, {n} submissions x {len(manifest['katas'])} katas, --jobs {jobs}"}
    for mode in ("warm", "cold"):
        out = work / f"grades-{mode}"
        seconds, done = run(["-m", "grader", "grade-class", klass, "--out", out, "--jobs", jobs], mode == "cold",
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ok, total, wrong = agreement(out, manifest)
        if wrong:
            sys.exit(f"grade-class {mode}: {len(wrong)} of {total} kata files graded against the manifest:\n"
                     + "\n".join(wrong[:10]))
        row[mode] = seconds
        if mode == "warm":
            checks = 0.0
            for record in (out / "results").glob("*.json"):
                checks += sum(k.get("checks_s", 0.0) for k in json.loads(record.read_text())["report"]["katas"])
            row["floor"] = checks / jobs
    return row


def validate(work: Path, jobs: int) -> dict:
    row = {"task": f"`kata validate`, every kata, --jobs {jobs}"}
    for mode in ("warm", "cold"):
        seconds, checks, status = in_process("kata", ["validate", "--jobs", str(jobs)], mode == "cold", work)
        if status != 0:
            sys.exit(f"kata validate ({mode}) failed: exit {status}")
        row[mode] = seconds
        if mode == "warm":
            row["floor"] = checks["checks_s"] / jobs
    return row


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put((time.perf_counter(), line))
    into.put((time.perf_counter(), None))


def _next_report(lines: queue.Queue, timeout: float = 60) -> float:
    """When the watch printed the summary line of its next grade."""
    deadline = time.monotonic() + timeout
    while True:
        when, line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        if line is None:
            raise RuntimeError("kata watch stopped")
        if "part5" in line and ("passed" in line or "failing" in line or "could not run" in line):
            return when


def watch(work: Path, saves: int) -> dict:
    from grader.curriculum.catalog import Catalog

    kata = Catalog.builtin().get("part5")
    ws = work / "watch-workspace"
    _, done = run(["-m", "grader", "init", ws], False, capture_output=True)
    if done.returncode != 0:
        sys.exit(done.stderr)
    learner = ws / kata.learner_file
    source = kata.reference_path.read_text()
    learner.write_text(source)
    row = {"task": "`kata watch part5`, from a save to the report"}
    for mode in ("warm", "cold"):
        process = subprocess.Popen([sys.executable, "-m", "grader", "watch", "part5", "-w", str(ws)],
                                   env=environment(mode == "cold"), cwd=ROOT, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        try:
            _next_report(lines)   # the first grade (and, warm, the zygote's start)
            times = []
            for i in range(saves + 1):
                time.sleep(0.5)    # a learner does not save twice within a grade
                saved = time.perf_counter()
                learner.write_text(source + f"\n# save {mode} {i}\n")
                reported = _next_report(lines)
                if i:   # the first save warms what the first grade did not
                    times.append(reported - saved)
        finally:
            process.terminate()
            process.wait(timeout=10)
        row[mode] = statistics.median(times)
    _, done = run(["-m", "grader", "grade", "part5", "-w", ws, "--format", "json"], False, capture_output=True)
    row["floor"] = json.loads(done.stdout)["katas"][0]["checks_s"]
    return row


def suite(work: Path) -> dict:
    row = {"task": "the test suite (`pytest -q`)"}
    for mode in ("warm", "cold"):
        seconds, checks, status = in_process("pytest", ["-q", "-p", "no:cacheprovider"], mode == "cold", work)
        if status != 0:
            print(f"the test suite ({mode}) failed: exit {status}; its time is still shown", flush=True)
        row[mode] = seconds
        if mode == "warm":
            # Its xdist workers grade side by side, as validate's jobs do.
            row["floor"] = checks["checks_s"] / max(1, checks["processes"])
    return row


def table(rows: list[dict]) -> str:
    out = ["| task | warm | cold (KATA_WARM=0) | warm / cold | floor (checks) | warm / floor |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['task']} | {r['warm']:.2f} s | {r['cold']:.2f} s | {r['warm'] / r['cold']:.2f}x "
                   f"| {r['floor']:.2f} s | {r['warm'] / r['floor']:.1f}x |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100, help="submissions in the class (default 100)")
    parser.add_argument("--jobs", type=int, default=None, help="grade-class and validate --jobs (default: CPUs)")
    parser.add_argument("--watch-saves", type=int, default=10, help="saves timed in kata watch (default 10)")
    parser.add_argument("--skip", action="append", choices=TASKS, default=[], help="leave a task out (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    jobs = args.jobs or len(os.sched_getaffinity(0))
    work = Path(tempfile.mkdtemp(prefix="kata-warm-bench-"))
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, jobs {jobs}; work in {work}", flush=True)
    rows = []
    try:
        for task in TASKS:
            if task in args.skip:
                continue
            started = time.perf_counter()
            row = {"class": lambda: grade_class(work, args.n, jobs), "validate": lambda: validate(work, jobs),
                   "watch": lambda: watch(work, args.watch_saves), "suite": lambda: suite(work)}[task]()
            rows.append(row)
            print(f"{task}: done in {time.perf_counter() - started:.0f} s: {json.dumps(row)}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
