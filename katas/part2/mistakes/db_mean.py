"""db averages dZ over the batch instead of summing it.

db is exactly 1/B of the true gradient; dA and dW are right.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "no-batch-factor", "finite-differences"], "diagnoses": ["bias-averaged"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.mean(axis=0)  # MISTAKE: a sum, not a mean (dZ already carries the 1/B)
    return dA, dW, db
