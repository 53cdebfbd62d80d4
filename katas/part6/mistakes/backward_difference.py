"""A backward difference (f(x) - f(x - h e_i)) / h: one-sided too, error O(h)."""
import numpy as np

KATA_EXPECT = {"fails": ["central-difference", "default-step"], "diagnoses": ["forward-difference"]}


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    fx = f(x)
    for i in np.ndindex(x.shape):
        xm = x.copy()
        xm[i] -= h
        grad[i] = (fx - f(xm)) / h  # MISTAKE: one-sided
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

