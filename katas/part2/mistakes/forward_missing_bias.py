"""linear_forward forgets the bias: Z = A @ W.

The backward pass is the true one, which no longer matches this forward pass
(finite differences see no dependence on b).
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "finite-differences"], "diagnoses": ["forward-missing-bias"]}


def linear_forward(A, W, b):
    return A @ W  # MISTAKE: + b is missing


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    return dA, dW, db
