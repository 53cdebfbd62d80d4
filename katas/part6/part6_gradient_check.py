"""Part 6: the numerical gradient check.

Interview prompt: "You wrote a backward pass by hand. How do you know it is
right? Write a function that estimates the gradient of any scalar function
numerically, one entry at a time, and a function that measures how far two
gradients are apart. Which step size do you use, and why?"

Rules: NumPy only; x is float64; never modify the arrays you are given.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Gradient of the scalar function f at x, by central differences.

    For every index i of x (x may be 1-D, 2-D or more):

        grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)

    where e_i has a 1 at position i and 0 everywhere else.

    Args:
        f: a function that takes an array shaped like x and returns a scalar.
        x: np.ndarray of any shape, float64. Must be unchanged when you return:
            work on a copy, or put each perturbed entry back exactly.
        h: the step, a small positive float. Your default must give about 1e-8
            relative accuracy or better on well-scaled functions.

    Returns:
        grad: np.ndarray with the shape of x, float64.
    """
    # Perturb one entry at a time, on both sides; what must the point look like
    # before you move on to the next entry?
    # np.ndindex(x.shape) visits every index of an array of any number of dimensions.
    raise NotImplementedError("numerical_gradient: return an array shaped like x")


def relative_error(a, b):
    """How far apart two arrays of the same shape are, entry by entry.

    Returns the largest, over all entries, of

        |a - b| / max(|a| + |b|, floor)

    where floor is a tiny positive constant of your choice, at most 1e-8, so that
    an entry that is 0 in both a and b counts as 0 instead of 0/0.

    Args:
        a, b: np.ndarray of the same shape, float64.

    Returns:
        A float between 0 and 1 (a Python float or a NumPy scalar).
    """
    raise NotImplementedError("relative_error: return max |a - b| / max(|a| + |b|, floor)")
