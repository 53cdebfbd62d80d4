"""A default step of 1e-12, "as small as possible": rounding error eps·|f|/h takes over.

f(x + h e_i) and f(x - h e_i) agree in all but their last few digits, and their
difference is mostly rounding noise: ~1e-4 relative error.
"""
import numpy as np

KATA_EXPECT = {"fails": ["default-step", "analytic-gradients"], "diagnoses": ["step-too-small"]}


def numerical_gradient(f, x, h=1e-12):  # MISTAKE: far below eps**(1/3) ~ 6e-6
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

