"""Gradients from transposed products: dW = (dZ.T @ A).T, dA = (W @ dZ.T).T, db = ones(B) @ dZ.

Correct: (M.T).T is M, and a row of ones of dZ's dtype sums over the batch
without upcasting.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    return np.dot(A, W) + b[None, :]


def linear_backward(dZ, A, W):
    dA = (W @ dZ.T).T
    dW = (dZ.T @ A).T
    db = np.ones(dZ.shape[0], dtype=dZ.dtype) @ dZ
    return dA, dW, db
