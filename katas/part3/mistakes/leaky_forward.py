"""relu_forward is a leaky ReLU (0.01*Z for negative Z) while relu_backward is the plain ReLU's.

The backward pass matches the reference, but it is not the derivative of this
forward pass, which the finite-difference check sees without any reference.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "finite-differences"], "diagnoses": ["leaky-relu"]}


def relu_forward(Z):
    return np.where(Z > 0, Z, 0.01 * Z)  # MISTAKE: negative inputs leak through


def relu_backward(dH, Z):
    active = Z > 0
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
