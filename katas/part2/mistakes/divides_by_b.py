"""linear_backward divides dW and db by B again, though dZ already carries the loss's 1/B.

dW and db are exactly 1/B of the true gradients; dA is right.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "no-batch-factor", "finite-differences"],
               "diagnoses": ["extra-1-over-B"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    B = A.shape[0]
    dA = dZ @ W.T
    dW = A.T @ dZ / B  # MISTAKE: a second 1/B
    db = dZ.sum(axis=0) / B  # MISTAKE: a second 1/B
    return dA, dW, db
