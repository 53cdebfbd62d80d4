"""A Python loop over the batch: one outer product per example for dW, vectorized inside.

Correct, and fast enough at the interview size (B = 64).
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    Z = np.empty((A.shape[0], W.shape[1]), dtype=A.dtype)
    for i in range(A.shape[0]):
        Z[i] = A[i] @ W + b
    return Z


def linear_backward(dZ, A, W):
    B = A.shape[0]
    dA = np.empty_like(A)
    dW = np.zeros_like(W)
    db = np.zeros(W.shape[1], dtype=dZ.dtype)
    for i in range(B):
        dA[i] = W @ dZ[i]
        dW += np.outer(A[i], dZ[i])
        db += dZ[i]
    return dA, dW, db
