"""How long `kata grade-class` takes on a class, measured against a same-run baseline.

    python benchmarks/grade_class.py [-n 100] [--jobs 2] [--rounds 2] [-k KATA ...] [--keep DIR]

1. Makes a class of N submissions with benchmarks/make_class.py (seed 0: the
   shipped references, correct variants, mistakes and stubs, plus the hostile
   submissions: an endless loop, os._exit, a huge allocation, a segfault, a
   print flood, a monkey-patched NumPy, a syntax error, a background process,
   a memory hog).
   -k KATA (repeatable) limits the class, the grading and the baseline to those
   katas (default: every kata in the catalog).
2. Baseline: `kata grade KATAS -w WS --seed 1234` on one correct workspace, the
   cost of grading one submission sequentially; timed --rounds times before and
   as many after the class run (this machine is noisy), median.
3. `kata grade-class CLASS --jobs J` from scratch, then once more with nothing
   left to grade (the cost of a resumed run that has nothing to do).
4. Checks the outcome against the class's manifest.json: every kata file that
   should pass passed, every one that should fail did not.

Reported: the class's wall time, per submission, and the ratio to
(baseline x N), i.e. to grading the class one submission after another with
`kata grade`. With J workers on J free cores the ideal ratio is about 1/J; the
hostile submissions add their time limits (the endless loop alone uses the
10 s limit of part2).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from make_class import make_class  # noqa: E402

SEED = "1234"


def kata(*args, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_WORKSPACE", "KATA_PATH")}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], env=env, text=True, **kw)


def timed(*args, **kw) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = kata(*args, **kw)
    return time.perf_counter() - started, done


def baseline(ws: Path, rounds: int, katas: list[str]) -> list[float]:
    times = []
    for _ in range(rounds):
        seconds, done = timed("grade", *katas, "-w", ws, "--seed", SEED, capture_output=True)
        if done.returncode != 0:
            sys.exit(f"the baseline workspace did not pass:\n{done.stdout}\n{done.stderr}")
        times.append(seconds)
    return times


def agreement(out: Path, manifest: dict) -> tuple[int, int, list[str]]:
    """(kata files graded as expected, kata files, disagreements) for the graded submissions."""
    from grader.classroom.submissions import safe_id

    ok = total = 0
    wrong = []
    for sub_id, entry in manifest["submissions"].items():
        record = json.loads((out / "results" / f"{safe_id(sub_id)}.json").read_text())
        if record["status"] == "not-graded":
            wrong.append(f"{sub_id}: not graded ({record['error']})")
            continue
        passed = {k["id"]: k["passed"] for k in record["report"]["katas"]}
        for kata_id, pick in entry["katas"].items():
            total += 1
            if passed.get(kata_id) == (pick["expect"] == "pass"):
                ok += 1
            else:
                wrong.append(f"{sub_id} {kata_id} ({pick['file']}): expected {pick['expect']}, "
                             f"got {'pass' if passed.get(kata_id) else 'fail'}")
    return ok, total, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100, help="submissions in the class (default 100)")
    parser.add_argument("--jobs", type=int, default=None, help="grade-class --jobs (default: the number of CPUs)")
    parser.add_argument("--rounds", type=int, default=2, help="baseline runs before and after (default 2 + 2)")
    parser.add_argument("--no-hostile", action="store_true")
    parser.add_argument("-k", "--kata", action="append", help="only this kata (repeatable; default: all)")
    parser.add_argument("--keep", type=Path, help="make the class and its grades in this folder and keep them")
    args = parser.parse_args()
    jobs = args.jobs or len(os.sched_getaffinity(0))

    work = args.keep or Path(tempfile.mkdtemp(prefix="kata-class-bench-"))
    if args.keep and args.keep.exists():
        shutil.rmtree(args.keep)
    work.mkdir(parents=True, exist_ok=True)
    try:
        klass, out, ws = work / "class", work / "grades", work / "one-correct-workspace"
        manifest = make_class(klass, args.n, seed=0, hostile=not args.no_hostile, kata_ids=args.kata)
        katas = manifest["katas"]
        only = [arg for k in katas for arg in ("-k", k)]
        done = kata("init", ws, capture_output=True)
        if done.returncode != 0:
            sys.exit(done.stderr)
        from grader.curriculum.catalog import Catalog

        for k in map(Catalog.builtin().get, katas):
            shutil.copyfile(k.reference_path, ws / k.learner_file)
        n = len(manifest["submissions"])
        hostile = sum("hostile" in e for e in manifest["submissions"].values())
        print(f"class: {n} submissions ({hostile} hostile) in {klass}; jobs {jobs}; "
              f"{os.cpu_count()} CPUs; Python {platform.python_version()}; katas {' '.join(katas)}", flush=True)

        before = baseline(ws, args.rounds, katas)
        with open(work / "grade-class.log", "w") as log:
            class_s, done = timed("grade-class", klass, "--out", out, "--jobs", jobs, *only, stdout=log, stderr=log)
        after = baseline(ws, args.rounds, katas)
        resume_s, again = timed("grade-class", klass, "--out", out, "--jobs", jobs, *only, capture_output=True)

        one = statistics.median(before + after)
        with open(out / "gradebook.csv", newline="") as f:
            statuses = [row["status"] for row in csv.DictReader(f)]
        ok, total, wrong = agreement(out, manifest)
        print()
        print("| measurement | value |")
        print("|---|---|")
        print(f"| `kata grade-class` on {n} submissions, --jobs {jobs} | {class_s:.1f} s "
              f"(exit {done.returncode}) |")
        print(f"| per submission | {class_s / n:.2f} s |")
        print(f"| baseline: `kata grade {' '.join(katas)}` on one correct workspace (median of {len(before + after)}) "
              f"| {one:.2f} s (runs: {', '.join(f'{t:.2f}' for t in before + after)}) |")
        print(f"| ratio to grading them one by one (baseline x {n} = {one * n:.0f} s) | {class_s / (one * n):.2f}x |")
        print(f"| re-run with nothing left to grade | {resume_s:.2f} s (exit {again.returncode}, "
              f"{again.stdout.splitlines()[0] if again.stdout else again.stderr.strip()}) |")
        print("| statuses | " + ", ".join(f"{statuses.count(s)} {s}" for s in
                                           ("passed", "failed", "error", "not-graded") if statuses.count(s)) + " |")
        print(f"| kata grades as the manifest expects | {ok} of {total} |")
        for line in wrong:
            print(f"  disagreement: {line}")
        print(f"\nlog: {work / 'grade-class.log'}; summary: {out / 'index.html'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
