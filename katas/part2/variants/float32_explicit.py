"""Every dtype spelled out: matmul and sum with dtype=, and db summed with keepdims=True, then reshaped to (n_out,).

Correct: float32 inputs stay float32 all the way through, and the reshape
removes the kept axis before db is returned.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    Z = np.matmul(A, W, dtype=A.dtype)
    return Z + b.astype(A.dtype, copy=False)


def linear_backward(dZ, A, W):
    dA = np.matmul(dZ, W.T, dtype=A.dtype)
    dW = np.matmul(A.T, dZ, dtype=A.dtype)
    db = np.sum(dZ, axis=0, dtype=dZ.dtype, keepdims=True).reshape(W.shape[1])
    return dA, dW, db
