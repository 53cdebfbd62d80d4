"""One working copy, and the perturbed entry is never put back.

After entry i, the copy keeps x_i - h, so every later entry is differentiated at
a shifted point. On a separable f that goes unnoticed; on a real loss it does not.
"""
import numpy as np

KATA_EXPECT = {"fails": ["restores-entry", "analytic-gradients"], "diagnoses": ["not-restored"]}


def numerical_gradient(f, x, h=1e-5):
    point = x.copy()
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        point[i] += h
        f_plus = f(point)
        point[i] -= 2 * h
        f_minus = f(point)
        grad[i] = (f_plus - f_minus) / (2 * h)  # MISTAKE: point[i] is left at x[i] - h
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

