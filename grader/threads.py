"""One BLAS thread in the grader's own process, as in its sandboxes.

The grader's arrays are small (64 x 256 at most) and grading runs sandboxes side
by side, so extra BLAS threads only contend for the cores: on a busy 2-core
machine a float64 reference backward pass at the interview size took 20 ms with
two OpenBLAS threads and 0.75 ms with one.
"""
from __future__ import annotations

import os
import sys

THREAD_VARIABLES = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def use_one_blas_thread() -> None:
    """Ask for one thread unless the user chose a number; only works before NumPy is imported."""
    if "numpy" in sys.modules:
        return
    for name, value in THREAD_VARIABLES.items():
        os.environ.setdefault(name, value)
