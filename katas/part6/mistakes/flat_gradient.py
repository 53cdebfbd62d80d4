"""Returns the gradient as a flat vector of x.size entries instead of x's shape."""
import numpy as np

KATA_EXPECT = {"fails": ["shapes"], "diagnoses": ["wrong-shape"]}


def numerical_gradient(f, x, h=1e-5):
    flat = x.reshape(-1)
    grad = np.zeros(flat.size)
    for k in range(flat.size):
        xp = flat.copy()
        xm = flat.copy()
        xp[k] += h
        xm[k] -= h
        grad[k] = (f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))) / (2 * h)
    return grad  # MISTAKE: should be grad.reshape(x.shape)


def relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))

