"""Loops over range(len(x)): on a 2-D x, x[i] is a whole row, so the whole row moves.

Each row of the result holds one number, the derivative along that row. The
loop must visit every entry: np.ndindex(x.shape), np.nditer, or a flat view.
"""
import numpy as np

KATA_EXPECT = {"fails": ["central-difference", "analytic-gradients"], "diagnoses": ["perturbs-whole-row"]}


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # MISTAKE: on 2-D x, i indexes rows
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

