"""Reference solution for part6: a numerical gradient by central differences, and
the relative error used to compare it with an analytic gradient.

For a scalar function f of an array x (any shape, float64), entry by entry:

    grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)        grad has x's shape

where e_i is the array of x's shape with a 1 at position i and 0 elsewhere. Taylor
expansion around x: the even-order terms cancel in the difference, so the error is

    truncation  h**2 |f'''| / 6   (a one-sided difference: h |f''| / 2, much worse)
    rounding    eps |f| / h       (f(x +- h e_i) each carry about eps |f| of error)

and the sum is smallest near h = eps**(1/3), about 6e-6 in float64. At h = 1e-5
both terms are around 1e-10 relative for a function whose value and derivatives
are of order 1.

The relative error between two arrays a and b of the same shape is the worst
entry of |a - b| / (|a| + |b|), with a tiny absolute floor on the denominator so
that an entry that is 0 in both counts as 0 instead of 0/0 = NaN. It is
symmetric in a and b, and does not change when both are scaled by the same
factor. Rules of thumb in float64: below 1e-7 the two agree; around 1e-4 or more
something is wrong (unless f has a kink near x).
"""
import numpy as np

FLOOR = 1e-12  # absolute floor of the denominator; any tiny constant works (CS231n uses 1e-8)


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x.

    Inputs:
    - f: a function that takes an array shaped like x and returns a scalar.
    - x: np.ndarray of any shape, float64. Not modified.
    - h: the step, a small positive float. The default 1e-5 is near the float64
      optimum eps**(1/3): about 1e-10 relative error on well-scaled functions.

    Returns:
    - grad: np.ndarray of x's shape, float64; grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h.
    """
    point = np.array(x, dtype=np.float64)  # a private copy: the caller's x never changes
    grad = np.zeros_like(point)  # x.shape, float64
    for i in np.ndindex(point.shape):  # every index tuple, in C order; works for any ndim
        saved = point[i]
        point[i] = saved + h
        f_plus = f(point)
        point[i] = saved - h
        f_minus = f(point)
        point[i] = saved  # restore the saved value exactly, before the next entry
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """max over entries of |a - b| / max(|a| + |b|, FLOOR), as a Python float.

    Inputs:
    - a, b: np.ndarray of the same shape (e.g. an analytic and a numerical gradient).

    Returns:
    - a float in [0, 1]: 0 when a == b (including entries that are 0 in both),
      1 when some entry has opposite signs in a and b.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    per_entry = np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), FLOOR)
    return float(np.max(per_entry))
