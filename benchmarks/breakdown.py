"""Where the wall time of one `kata grade KATA -w WS` goes, phase by phase.

    python benchmarks/breakdown.py part2 WS [--runs N]

Replays the steps of `grader.cli.grade` for one kata with timestamps between
them (no profiler, so no profiler overhead) and prints the median of N runs per
phase; each run is a fresh interpreter. WS must be a workspace whose learner
file passes (e.g. the reference copied in). This mirrors cli.grade and the
engine's internals (LearnerProcess, engine._run_checks), so it needs updating
when those change; run.py is the stable measurement, this is for diagnosis.
"""
from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import time

T0 = time.perf_counter()


def phases(kata_id: str, workspace: str) -> list[tuple[str, float]]:
    marks, last = [], [T0]

    def mark(name):
        now = time.perf_counter()
        marks.append((name, now - last[0]))
        last[0] = now

    from pathlib import Path

    import grader.cli  # noqa: F401  (click + the CLI module, as `kata` does)
    mark("import click + grader.cli")
    from grader.curriculum.catalog import Catalog
    kata = Catalog.builtin().get(kata_id)
    mark("Catalog.builtin (read kata.toml files)")
    from grader import reporting as reports
    from grader.model.results import GradeReport, KataResult
    from grader.workspace.state import record_grades
    from grader.workspace.files import find_workspace
    mark("import report/results/workspace")
    import numpy  # noqa: F401
    mark("import numpy (parent)")
    from grader.grading import engine
    from grader.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, LearnerProcess
    mark("import engine/checklib/sandbox (rest)")
    from grader.curriculum import loading
    loading.checks(kata)
    mark("import the kata's checks.py")
    ws = find_workspace(workspace)
    result = KataResult(kata.id, kata.alias, kata.title, kata.learner_file)
    process = LearnerProcess(kata.id, ws / kata.learner_file, ws, kata.framework, DEFAULT_TIMEOUT_S,
                             DEFAULT_MEMORY_MB)
    process.start()
    mark("child: spawn + interpreter + imports + setup")
    process.load()
    mark("child: load learner module")
    engine._run_checks(process, kata, 1, None, result)
    mark(f"run {len(result.checks)} checks (parent + child round trips)")
    process.close()
    mark("close sandbox (wait, kill_tree /proc scan)")
    record_grades(ws, [result])
    mark("record_grades (atomic write + fsync)")
    import jinja2  # noqa: F401
    mark("import jinja2")
    env = reports._environment("text")
    env.get_template(reports._TEMPLATES["text"])
    mark("jinja2 environment + template compile")
    reports.render(GradeReport([result], 1, str(ws), False, "bench"), "text")
    mark("render")
    if not result.passed:
        raise SystemExit(f"{kata_id} did not pass in {ws}; copy the reference solution in first")
    return marks


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("kata")
    p.add_argument("workspace")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(phases(args.kata, args.workspace)))
        return
    per_phase: dict[str, list[float]] = collections.OrderedDict()
    walls = []
    for _ in range(args.runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, args.kata, args.workspace, "--worker"],
                             check=True, stdout=subprocess.PIPE).stdout
        walls.append(time.perf_counter() - start)
        for name, seconds in json.loads(out):
            per_phase.setdefault(name, []).append(seconds)
    print(f"| phase (median of {args.runs}) | ms |\n|---|---|")
    for name, xs in per_phase.items():
        print(f"| {name} | {statistics.median(xs) * 1e3:.1f} |")
    in_process = statistics.median(sum(xs) for xs in zip(*per_phase.values()))
    print(f"| sum of phases | {in_process * 1e3:.1f} |")
    print(f"| wall incl. interpreter start + exit | {statistics.median(walls) * 1e3:.1f} |")


if __name__ == "__main__":
    main()
