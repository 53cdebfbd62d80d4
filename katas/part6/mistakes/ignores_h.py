"""The step is hard-coded inside the function, so the h argument is ignored."""
import numpy as np

KATA_EXPECT = {"fails": ["central-difference", "restores-entry"], "diagnoses": ["step-ignored"]}


def numerical_gradient(f, x, h=1e-5):
    eps = 1e-5  # MISTAKE: the caller's h is never used
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

