"""db kept as (1, n_out), and dW divided by B."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["bias-keepdims", "extra-1-over-B"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    B = A.shape[0]
    dW = A.T @ dZ / B  # MISTAKE: dZ already carries the 1/B
    db = dZ.sum(axis=0, keepdims=True)  # MISTAKE: (1, n_out)
    return dZ @ W.T, dW, db
