"""A default step of 1e-2: the truncation error h²·f'''/6 is ~1e-5 relative.

"Small enough" for a step is about the Taylor remainder, and h = 1e-2 leaves four
orders of magnitude more error than h = 1e-5 does.
"""
import numpy as np

KATA_EXPECT = {"fails": ["default-step", "analytic-gradients"], "diagnoses": ["step-too-large"]}


def numerical_gradient(f, x, h=1e-2):  # MISTAKE: far above eps**(1/3) ~ 6e-6
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


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

