"""Perturbs the caller's x in place and never puts the entry back.

The caller's array comes back changed (every entry moved by -h), and every later
entry is differentiated at a shifted point.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "central-difference", "restores-entry", "default-step", "analytic-gradients",
                         "repeatable"],
               "diagnoses": ["input-mutated"]}


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h  # MISTAKE: writes into the caller's array ...
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)  # ... and leaves it at x[i] - h
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

