"""dW is computed as dZ.T @ A, the transpose of the weight's shape.

dW comes out (n_out, n_in) instead of W's (n_in, n_out).
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "backward", "no-batch-factor", "finite-differences"],
               "diagnoses": ["wrong-transpose"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = dZ.T @ A  # MISTAKE: (n_out, n_in); the gradient of W must have W's shape
    db = dZ.sum(axis=0)
    return dA, dW, db
