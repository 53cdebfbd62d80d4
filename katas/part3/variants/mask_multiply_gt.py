"""ReLU as multiplication by a boolean mask: Z * (Z > 0) forward and dH * (Z > 0) backward.

Correct: float32 times bool stays float32 (negative Z give -0.0, which equals
0). Convention at Z == 0: gradient 0.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    return Z * (Z > 0)


def relu_backward(dH, Z):
    return dH * (Z > 0)
