"""A forward difference (f(x + h e_i) - f(x)) / h where the central one is due.

It needs one evaluation of f fewer per entry, but its error is about h·f''/2
instead of h²·f'''/6: at h = 1e-5 that is ~1e-5 relative, not ~1e-10.
"""
import numpy as np

KATA_EXPECT = {"fails": ["central-difference", "default-step"], "diagnoses": ["forward-difference"]}


def numerical_gradient(f, x, h=1e-5):
    point = x.astype(np.float64)
    grad = np.zeros_like(point)
    f0 = f(point)
    for i in np.ndindex(point.shape):
        saved = point[i]
        point[i] = saved + h
        grad[i] = (f(point) - f0) / h  # MISTAKE: one-sided; the error is O(h), not O(h^2)
        point[i] = saved
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

