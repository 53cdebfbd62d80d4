"""The ReLU mask is built from the output, H >= 0, which is true everywhere.

H = max(Z, 0) is never negative, so the "mask" passes dH through every unit,
including the ones that were off (Z < 0). (A mask H > 0 would be correct: it
equals Z > 0.)
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "zero-convention", "finite-differences"], "diagnoses": ["relu-grad-where-negative"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    H = np.maximum(Z, 0)
    active = H >= 0  # MISTAKE: always True
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
