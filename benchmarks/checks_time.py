"""Run `kata ...` or `pytest ...` and add up the time its grades spend running
checks: the floor a warm sandbox is measured against.

    python benchmarks/checks_time.py OUT.json kata validate
    python benchmarks/checks_time.py OUT.json pytest -q

Writes {"checks_s": seconds, "grades": count, "processes": n, "exit": status} to
OUT.json. The time is what `grader.grading.engine` measures around each kata's
checks (the learner's code, the comparisons and the round trips to the sandbox),
after the sandbox has started and the learner's module has loaded. `kata` runs in
this process (and the worker processes it forks); pytest runs here and in each of
its xdist workers (the plugin checks_timer.py), and `processes` says how many of
them graded. Grades made by
tests that start the CLI in a subprocess of their own are not counted.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    out, tool, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    from grader.threads import use_one_blas_thread

    use_one_blas_thread()   # as `kata` does, before NumPy is imported
    sys.path.insert(0, str(HERE))
    import checks_timer

    folder = tempfile.mkdtemp(prefix="kata-checks-time-")
    os.environ[checks_timer.DIR_VAR] = folder
    status = 0
    try:
        if tool == "kata":
            checks_timer.install()
            from grader.cli import main as kata_main

            try:
                kata_main(args, prog_name="kata")
            finally:
                checks_timer.write()
        elif tool == "pytest":
            import pytest

            # xdist workers are fresh interpreters: they find the plugin on PYTHONPATH. This
            # process imported it already, which pytest would warn cannot be assert-rewritten.
            os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
            status = int(pytest.main([*args, "-p", "checks_timer", "-W", "ignore::pytest.PytestAssertRewriteWarning"]))
        else:
            sys.exit(f"checks_time.py runs `kata` or `pytest`, not {tool!r}")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        with open(out, "w") as f:
            json.dump({**checks_timer.read(folder), "exit": status}, f)
    sys.exit(status)


if __name__ == "__main__":
    main()
