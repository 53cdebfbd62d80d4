"""linear_backward writes dA into the caller's A to save memory (np.matmul(..., out=A)).

All returned values are right, but the caller's activations A are destroyed.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "backward", "no-batch-factor", "finite-differences", "repeatable"],
               "diagnoses": ["input-mutated"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    dA = np.matmul(dZ, W.T, out=A)  # MISTAKE: reuses (overwrites) the input A
    return dA, dW, db
