"""Perturbs the caller's x in place and restores it by arithmetic, not by the saved value.

x[i] + h - 2h + h is not x[i] in floating point: the last bits of some entries of
the caller's array change. Save the old value and assign it back.
"""
import numpy as np

KATA_EXPECT = {"fails": ["default-step", "analytic-gradients"],
               "diagnoses": ["input-mutated"]}


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h  # MISTAKE: rounding leaves x[i] a few ulps away from where it was
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

