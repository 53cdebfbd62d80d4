"""Fresh points x ± h·E for a unit array E, dividing by the step actually taken
((x_i + h) - (x_i - h), exactly representable) instead of 2h; a default step of 1e-7,
and relative_error returned as a 0-d array with the smallest normal float as floor."""
import numpy as np

KATA_EXPECT = {"passes": True}


def numerical_gradient(f, x, h=1e-7):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        E = np.zeros(x.shape)
        E[index] = 1.0
        xp = x + h * E
        xm = x - h * E
        grad[index] = (f(xp) - f(xm)) / (xp[index] - xm[index])
    return grad


def relative_error(a, b):
    tiny = np.finfo(np.float64).tiny
    return np.asarray(np.amax(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), tiny)))
