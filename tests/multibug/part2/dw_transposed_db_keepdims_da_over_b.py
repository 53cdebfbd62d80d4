"""dW transposed, db kept as (1, n_out), and dA divided by B."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["wrong-transpose", "bias-keepdims", "extra-1-over-B"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    B = A.shape[0]
    dA = dZ @ W.T / B  # MISTAKE: an extra 1/B
    dW = dZ.T @ A  # MISTAKE: (n_out, n_in)
    db = dZ.sum(axis=0, keepdims=True)  # MISTAKE: (1, n_out)
    return dA, dW, db
