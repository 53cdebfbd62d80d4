"""The grader's own process asks for one BLAS thread, unless the user chose a number."""
from __future__ import annotations

import os
import subprocess
import sys

PROBE = ("from grader.cli import main; import os, sys\n"
         "try:\n    main(['list'], prog_name='kata')\nexcept SystemExit:\n    pass\n"
         "print('THREADS', os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OMP_NUM_THREADS'))")


def threads_seen(**env) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**environ, **env}, capture_output=True, text=True,
                          timeout=60)
    return next(line for line in done.stdout.splitlines() if line.startswith("THREADS"))


def test_kata_runs_with_one_blas_thread():
    assert threads_seen() == "THREADS 1 1"


def test_a_number_the_user_chose_is_kept():
    assert threads_seen(OPENBLAS_NUM_THREADS="3") == "THREADS 3 1"
