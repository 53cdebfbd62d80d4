"""ReLU backward with np.heaviside(Z, 0.5): gradient 0.5 at exactly Z == 0 (like torch.maximum).

Correct: 0.5 is a valid subgradient at the kink. The forward pass uses
(Z + |Z|) / 2, which is exact.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    return (Z + np.abs(Z)) / 2


def relu_backward(dH, Z):
    return dH * np.heaviside(Z, 0.5)
