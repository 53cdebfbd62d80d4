"""relative_error divides by |b| only (like np.allclose's rtol·|b|): swapping a and b changes it."""
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


KATA_EXPECT = {"fails": ["relative-error"], "diagnoses": ["relative-error-asymmetric"]}


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-8)))  # MISTAKE: |b| alone
