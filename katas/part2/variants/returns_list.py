"""linear_backward returns a list [dA, dW, db] instead of a tuple, and b is added with np.add(out=...).

Correct: the contract asks for three values in order, and a fresh output
buffer leaves the inputs untouched.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    Z = A @ W
    np.add(Z, b, out=Z)  # Z is a new array, so adding in place is fine
    return Z


def linear_backward(dZ, A, W):
    return [dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)]
