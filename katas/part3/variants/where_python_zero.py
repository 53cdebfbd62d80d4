"""ReLU with np.where and a Python 0: np.where(Z > 0, Z, 0) forward and np.where(Z > 0, dH, 0) backward.

Correct: a Python int does not promote the dtype, so float32 stays float32.
Convention at Z == 0: gradient 0.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    return np.where(Z > 0, Z, 0)


def relu_backward(dH, Z):
    return np.where(Z > 0, dH, 0)
