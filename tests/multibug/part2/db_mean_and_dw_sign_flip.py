"""db is the mean over the batch instead of the sum, and dW has its sign flipped."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["bias-averaged", "sign-flip"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    dW = -(A.T @ dZ)  # MISTAKE: sign
    db = dZ.mean(axis=0)  # MISTAKE: a mean, not a sum
    return dZ @ W.T, dW, db
