"""What some known loss-head mistakes compute, and tests that a result is exactly that.

Each test is run only after a comparison has already failed, and names a mistake
only when the learner's value equals, to the dtype's tolerance, what that one
mistake computes from the same inputs (in float64). Correct code cannot match:
the mistake's value differs from the right one wherever the check looks.
"""
from __future__ import annotations

import re

import numpy as np

from grader.checks import compare as cmp

# Floors (and epsilons) learners put under a log: every power of ten a habit could pick,
# and the dtypes' own constants (np.finfo(...).eps and .tiny).
FLOORS = tuple(sorted({10.0 ** -k for k in range(1, 324)} |
                      {float(np.finfo(t).eps) for t in (np.float32, np.float64)} |
                      {float(np.finfo(t).tiny) for t in (np.float32, np.float64)}, reverse=True))


def softmax64(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def per_example_losses(logits, y) -> np.ndarray:
    """-log softmax(logits)[y] per row, in float64 (via log-sum-exp)."""
    z = np.asarray(logits, dtype=np.float64)
    s = z - z.max(axis=1, keepdims=True)
    return np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y]


def _close(got: float, want: float, dtype, scale: float, extra_atol: float = 0.0) -> bool:
    rtol, atol = cmp.tolerances(dtype, max(abs(want), scale))
    return bool(np.isfinite(got) and abs(got - want) <= atol + extra_atol + rtol * abs(want))


def floored_losses(p_true: np.ndarray, eps: float) -> dict[str, float]:
    """The mean loss from true-class probabilities under each way of keeping a log away
    from 0: clip to [eps, 1 - eps], a floor at eps only, or eps added."""
    with np.errstate(divide="ignore"):
        return {"clip": float(-np.log(np.clip(p_true, eps, 1 - eps)).mean()),
                "floor": float(-np.log(np.maximum(p_true, eps)).mean()),
                "add": float(-np.log(p_true + eps).mean())}


def log_floor(got: float, logits, y, dtype, scale: float = 0.0, extra_atol: float = 0.0):
    """(eps, how) when the loss `got` equals the mean of -log(p[y]) with p kept away from 0
    by a floor eps (how: "clip", "floor" or "add"), and the exact loss is another number;
    else None. The largest eps that fits is reported."""
    if not np.isfinite(got):
        return None
    exact = float(per_example_losses(logits, y).mean())
    if _close(got, exact, dtype, scale, extra_atol):
        return None
    p_true = softmax64(logits)[np.arange(len(y)), y]
    for eps in FLOORS:
        for how, value in floored_losses(p_true, eps).items():
            if _close(got, value, dtype, scale, extra_atol) and not _close(value, exact, dtype, scale, extra_atol):
                return eps, how
    return None


def floor_id(how: str) -> str:
    """The diagnosis for a floor found by log_floor: an epsilon added, or a clip."""
    return "epsilon-in-log" if how == "add" else "clipped-log"


FLOOR_WORDS = {"clip": "np.clip(p, {eps}, 1 - {eps})", "floor": "max(p, {eps})", "add": "p + {eps}"}


def floor_evidence(eps: float, how: str, got: float, want: float, where: str) -> str:
    form = FLOOR_WORDS[how].format(eps=re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{eps:.3g}"))  # 1e-7, not 1e-07
    return (f"the loss {got:.10g} is exactly the mean of -log({form}) over the true-class probabilities {where}, "
            f"where the exact loss is {want:.10g}")


def first_example_loss(got: float, logits, y, dtype, scale: float = 0.0, extra_atol: float = 0.0):
    """"loss[0] / B" or "loss[0]" when the loss equals the first example's own loss (divided
    by B, or not) and not the mean of them all; else None."""
    losses = per_example_losses(logits, y)
    exact, B = float(losses.mean()), len(y)
    if not np.isfinite(got) or _close(got, exact, dtype, scale, extra_atol):
        return None
    for value, what in ((losses[0] / B, "loss[0] / B"), (losses[0], "loss[0]")):
        if _close(got, float(value), dtype, scale, extra_atol) and not _close(float(value), exact, dtype, scale):
            return what
    return None


def jacobian_again(probs, y) -> np.ndarray:
    """dlogits when the softmax Jacobian is applied to the fused gradient (p - onehot)/B,
    as if it were dL/dprobs: p * (g - sum(g * p)) per row, in float64."""
    p = np.asarray(probs, dtype=np.float64)
    g = p.copy()
    g[np.arange(len(y)), y] -= 1
    g /= len(y)
    return p * (g - (g * p).sum(axis=1, keepdims=True))
