"""relu_forward zeroes the negative entries of Z in place and returns Z itself.

H is right, but the caller's pre-activations Z are destroyed (backward needs
them for the mask).
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "forward", "finite-differences", "repeatable"], "diagnoses": ["input-mutated"]}


def relu_forward(Z):
    Z[Z < 0] = 0  # MISTAKE: writes into the caller's array
    return Z


def relu_backward(dH, Z):
    active = Z > 0
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
