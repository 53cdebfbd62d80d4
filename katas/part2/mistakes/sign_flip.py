"""Every gradient of the linear layer has the wrong sign (exactly -1 times the truth)."""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "no-batch-factor", "finite-differences"], "diagnoses": ["sign-flip"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dZ = -dZ  # MISTAKE: "gradient descent" sign folded into the backward pass
    dA = dZ @ W.T
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    return dA, dW, db
