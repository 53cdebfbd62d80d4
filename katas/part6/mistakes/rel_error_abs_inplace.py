"""relative_error takes |a| and |b| in place, overwriting the caller's arrays."""
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


KATA_EXPECT = {"fails": ["shapes", "relative-error", "repeatable"], "diagnoses": ["input-mutated"]}


def relative_error(a, b):
    diff = np.abs(a - b)
    np.abs(a, out=a)  # MISTAKE: the caller's a and b lose their signs
    np.abs(b, out=b)
    return float(np.max(diff / np.maximum(a + b, 1e-8)))
