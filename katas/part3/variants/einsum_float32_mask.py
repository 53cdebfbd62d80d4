"""ReLU backward as an elementwise einsum with a mask cast to dH's dtype; float32 stays float32 throughout.

Correct: einsum("...,...->...") is an elementwise product (any shape), and a mask of the
input's dtype upcasts nothing. The forward pass multiplies by the same kind of
mask (negative entries give -0.0, which equals 0).
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    return np.einsum("...,...->...", Z, (Z > 0).astype(Z.dtype))


def relu_backward(dH, Z):
    mask = (Z > 0).astype(dH.dtype)
    return np.einsum("...,...->...", dH, mask)
