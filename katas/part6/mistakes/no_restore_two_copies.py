"""Two working copies made once, outside the loop, and never reset.

The plus copy collects +h in every entry visited so far and the minus copy -h.
"""
import numpy as np

KATA_EXPECT = {"fails": ["restores-entry"], "diagnoses": ["not-restored"]}


def numerical_gradient(f, x, h=1e-5):
    xp = x.copy()
    xm = x.copy()
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp[i] = x[i] + h  # MISTAKE: xp and xm are never reset to x
        xm[i] = x[i] - h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

