"""db keeps the summed axis: dZ.sum(axis=0, keepdims=True) has shape (1, n_out), not (n_out,)."""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "backward", "no-batch-factor", "finite-differences"],
               "diagnoses": ["bias-keepdims"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.sum(axis=0, keepdims=True)  # MISTAKE: (1, n_out)
    return dA, dW, db
