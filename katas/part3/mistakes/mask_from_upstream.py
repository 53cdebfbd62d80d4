"""The ReLU mask is built from the upstream gradient (dH > 0) instead of the pre-activation Z.

Gradient flows through units that were off whenever dH is positive there, and
is blocked through active units whenever dH is negative.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "zero-convention", "finite-differences"], "diagnoses": ["relu-grad-where-negative"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    active = dH > 0  # MISTAKE: the mask must come from Z
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
