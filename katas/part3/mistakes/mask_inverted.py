"""The ReLU mask is inverted: gradient passes where Z < 0 instead of where Z > 0."""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "zero-convention", "finite-differences"], "diagnoses": ["relu-grad-where-negative"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    active = Z < 0  # MISTAKE: the units that were off
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
