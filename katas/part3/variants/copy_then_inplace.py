"""In-place ReLU on copies: H = Z.copy(); H[H < 0] = 0, and dZ = dH.copy(); dZ[Z <= 0] = 0.

Correct: the in-place writes touch only the function's own copies, never the
caller's arrays.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    H = Z.copy()
    H[H < 0] = 0
    return H


def relu_backward(dH, Z):
    dZ = dH.copy()
    dZ[Z <= 0] = 0
    return dZ
