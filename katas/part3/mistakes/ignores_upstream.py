"""relu_backward returns the bare 0/1 mask and ignores the upstream gradient dH.

The local derivative is right, but the chain rule's product with dH is missing:
doubling dH does not change the result.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "uses-upstream", "zero-convention", "finite-differences"], "diagnoses": ["relu-ignores-upstream"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    return (Z > 0).astype(dH.dtype)  # MISTAKE: the mask alone, not dH * mask
