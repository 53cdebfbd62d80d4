"""linear_forward leaves out b, and dA has its sign flipped."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["forward-missing-bias", "sign-flip"]}


def linear_forward(A, W, b):
    return A @ W  # MISTAKE: no + b


def linear_backward(dZ, A, W):
    return -(dZ @ W.T), A.T @ dZ, dZ.sum(axis=0)  # MISTAKE: -dA
