"""db summed over the wrong axis, and dW divided by B."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["bias-wrong-axis", "extra-1-over-B"]}


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    B = A.shape[0]
    return dZ @ W.T, A.T @ dZ / B, dZ.sum(axis=1)  # MISTAKE: dW / B; db over axis 1
