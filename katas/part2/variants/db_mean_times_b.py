"""db as the batch mean of dZ times B, which is the batch sum.

Correct: mean(dZ) * B = sum(dZ) up to rounding, so no 1/B is left over (the
mistake it resembles, db = dZ.mean(axis=0), is exactly 1/B too small).
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    B = dZ.shape[0]
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.mean(axis=0) * B
    return dA, dW, db
