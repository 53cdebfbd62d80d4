"""dA is computed as dZ @ W instead of dZ @ W.T.

With n_in != n_out the product does not even line up and raises; with a square
W it runs and returns a wrong dA.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "backward", "no-batch-factor", "finite-differences"],
               "diagnoses": ["wrong-transpose", "shape-error"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dA = dZ @ W  # MISTAKE: W.T belongs here
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    return dA, dW, db
