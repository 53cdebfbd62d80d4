"""The bias made an explicit row, b[None, :] of shape (1, n_out), and db summed from a column view.

A row broadcasts over the batch exactly as b itself does; nothing here raises,
and no shape diagnosis may appear.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    return A @ W + b[None, :]


def linear_backward(dZ, A, W):
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.T.sum(axis=1)
    return dA, dW, db
