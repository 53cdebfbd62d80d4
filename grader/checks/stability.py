"""Signatures of softmax stability mistakes that only large logits reveal."""
from __future__ import annotations

import numpy as np


# Below these distances from a shared max, exp(z - max) of a row is still a normal
# number at full precision (half the exponent range, with room for the row's spread).
# Beyond the last one, exp underflows to exactly 0 in any float dtype, so every entry
# of such a row is 0 and its softmax is 0/0 (or log 0 = -inf).
def _near_distance(dtype) -> float:
    return 0.5 * float(-np.log(np.finfo(np.dtype(dtype)).tiny))


FAR_DISTANCE = float(-np.log(np.finfo(np.float64).smallest_subnormal)) + 1.0  # ~745.1


def shared_max_finding(row_max, row_bad, dtype, visible=None) -> str | None:
    """Evidence that a softmax subtracted one max shared by the whole batch, or None.

    `row_max`: each row's largest logit; `row_bad`: which rows of the result are broken
    (NaN/inf, or grossly wrong: far beyond any rounding); `visible`: rows whose result
    could show a broken softmax at all (default: every row). With one shared max m,
    row i is exact while its distance d_i = m - row_max[i] is small and is all zeros
    once d_i passes FAR_DISTANCE. The signature is exactly that: some row is broken,
    every broken row sits far below m, every row near m is right, and every visible
    row that is entirely underflowed is broken. A miss of a few ulps, or a miss in the
    rows near the max, is not this mistake, whatever the rows' offsets.
    """
    row_max = np.asarray(row_max, dtype=np.float64).ravel()
    bad = np.asarray(row_bad, dtype=bool).ravel()
    seen = np.ones_like(bad) if visible is None else np.asarray(visible, dtype=bool).ravel()
    if not np.isfinite(row_max).all() or not bad.any():
        return None
    distance = row_max.max() - row_max
    near, far = distance < _near_distance(dtype), distance > FAR_DISTANCE
    if (bad & near).any() or (seen & far & ~bad).any() or not (near & seen).any():
        return None
    rows = np.flatnonzero(bad)
    listed = ", ".join(map(str, rows[:6])) + (", ..." if len(rows) > 6 else "")
    n_near = int((near & seen).sum())
    return (f"row{'s' if len(rows) > 1 else ''} {listed}, whose largest logit is {distance[rows].min():.0f}"
            f"{f' to {distance[rows].max():.0f}' if len(rows) > 1 else ''} below the largest of the batch, "
            f"{'are' if len(rows) > 1 else 'is'} NaN/inf or wrong, while the {n_near} "
            f"row{'s' if n_near > 1 else ''} within {_near_distance(dtype):.0f} of it "
            f"{'are' if n_near > 1 else 'is'} exact ({np.dtype(dtype)}): the error follows each row's distance "
            "from one max shared by the batch, where exp(z - max) underflows")
