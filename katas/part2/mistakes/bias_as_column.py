"""linear_forward reshapes the bias to a column: b[:, None] has shape (n_out, 1).

NumPy lines shapes up from the last axis, so the column's n_out entries meet the
B rows of A @ W instead of its n_out columns, and (B, n_out) + (n_out, 1)
raises a broadcasting ValueError (whenever B != n_out). The bias of shape
(n_out,) broadcasts over the rows by itself.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "forward", "finite-differences", "repeatable"], "diagnoses": ["shape-error"]}


def linear_forward(A, W, b):
    return A @ W + b[:, None]  # MISTAKE: a column broadcasts over the batch axis


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    return dA, dW, db
