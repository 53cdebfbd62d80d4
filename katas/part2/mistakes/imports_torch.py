"""The NumPy-only part imports from torch (the functions themselves are the reference's)."""
import numpy as np
from torch import nn  # MISTAKE: parts 1-4 are NumPy only  # noqa: F401

KATA_EXPECT = {"fails": ["numpy-only"], "diagnoses": ["framework-import"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    return dA, dW, db
