"""db sums dZ over the output axis (axis=1) instead of over the batch (axis=0).

db comes out with shape (B,) instead of (n_out,).
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "backward", "no-batch-factor", "finite-differences"],
               "diagnoses": ["bias-wrong-axis"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.sum(axis=1)  # MISTAKE: the batch axis is 0
    return dA, dW, db
