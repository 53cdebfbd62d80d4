"""The central difference divided by h instead of 2h: every entry is exactly twice the gradient.

The two evaluations are 2h apart, so the slope between them is their difference over 2h.
"""
import numpy as np

KATA_EXPECT = {"fails": ["central-difference", "default-step", "analytic-gradients"],
               "diagnoses": ["central-over-h"]}


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / h  # MISTAKE: the points are 2h apart
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

