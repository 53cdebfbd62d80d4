"""Run `kata ...` or `pytest ...` in this process and add up the time its grades spend
running checks: the floor a warm sandbox is measured against.

    python benchmarks/checks_time.py OUT.json kata validate
    python benchmarks/checks_time.py OUT.json pytest -q

Writes {"checks_s": seconds, "grades": count, "exit": status} to OUT.json. The
time is what `grader.grading.engine` measures around each kata's checks (the
learner's code, the comparisons and the round trips to the sandbox), after the
sandbox has started and the learner's module has loaded. Grades made in other
processes (tests that start the CLI in a subprocess) are not counted.
"""
from __future__ import annotations

import json
import sys
import threading
import time


def main() -> None:
    out, tool, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    from grader.threads import use_one_blas_thread

    use_one_blas_thread()   # as `kata` does, before NumPy is imported
    from grader.grading import engine

    total = {"checks_s": 0.0, "grades": 0}
    lock = threading.Lock()
    run_checks = engine._run_checks

    def timed_checks(*a, **kw):
        started = time.perf_counter()
        try:
            return run_checks(*a, **kw)
        finally:
            with lock:
                total["checks_s"] += time.perf_counter() - started
                total["grades"] += 1

    engine._run_checks = timed_checks
    status = 0
    try:
        if tool == "kata":
            from grader.cli import main as kata_main

            kata_main(args, prog_name="kata")
        elif tool == "pytest":
            import pytest

            status = int(pytest.main(args))
        else:
            sys.exit(f"checks_time.py runs `kata` or `pytest`, not {tool!r}")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        with open(out, "w") as f:
            json.dump({**total, "exit": status}, f)
    sys.exit(status)


if __name__ == "__main__":
    main()
