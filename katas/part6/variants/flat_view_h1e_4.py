"""Perturbs a flat view of a private copy (reshape(-1) of a contiguous array is a view), a default
step of 1e-4, and a relative_error that divides only where |a| + |b| > 0 (0 elsewhere)."""
import numpy as np

KATA_EXPECT = {"passes": True}


def numerical_gradient(f, x, h=1e-4):
    work = np.array(x, dtype=np.float64, order="C", copy=True)
    flat = work.reshape(-1)  # a view: writing into flat moves work
    grad = np.zeros(flat.size)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        up = f(work)
        flat[k] = old - h
        down = f(work)
        flat[k] = old
        grad[k] = (up - down) / (2 * h)
    return grad.reshape(x.shape)


def relative_error(a, b):
    num = np.abs(a - b)
    den = np.abs(a) + np.abs(b)
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return ratio.max()
