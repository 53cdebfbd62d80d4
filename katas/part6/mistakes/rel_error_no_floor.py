"""relative_error without a floor: an entry that is 0 in both arrays gives 0/0 = NaN.

Zeros are common in real gradients (a dead ReLU unit, an unused class), so the
check reports NaN exactly where the two gradients agree perfectly.
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


KATA_EXPECT = {"fails": ["relative-error"], "diagnoses": ["relative-error-no-floor"]}


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))  # MISTAKE: 0/0 where both are 0
