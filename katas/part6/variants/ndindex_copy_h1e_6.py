"""np.ndindex over a private copy, a default step of 1e-6, and an additive floor of 1e-12."""
import numpy as np

KATA_EXPECT = {"passes": True}


def numerical_gradient(f, x, h=1e-6):
    xc = x.copy()
    grad = np.empty(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        v = xc[idx]
        xc[idx] = v + h
        fp = f(xc)
        xc[idx] = v - h
        fm = f(xc)
        xc[idx] = v
        grad[idx] = (fp - fm) / (2.0 * h)
    return grad


def relative_error(a, b):
    return float((np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-12)).max())
