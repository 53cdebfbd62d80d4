"""relative_error as one global ratio of norms, ||a - b|| / (||a|| + ||b||).

A common convention, but one summary over all entries: a single wrong small entry
(a bias gradient among large weight gradients) barely moves it.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        saved = point[i]
        point[i] = saved + h
        f_plus = f(point)
        point[i] = saved - h
        f_minus = f(point)
        point[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


KATA_EXPECT = {"fails": ["relative-error"], "diagnoses": ["relative-error-not-max"]}


def relative_error(a, b):
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)  # MISTAKE: not entry by entry
