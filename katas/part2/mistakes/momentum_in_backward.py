"""linear_backward folds an optimizer's momentum into the gradient it returns.

The backward pass should return the gradient of this call alone; a velocity
kept between calls (v = 0.9 v + g) belongs to the optimizer. The first call
for a given shape is right; calling again with the same inputs returns 1.9
times the gradient, which is neither the same answer nor one more gradient.
"""
import numpy as np

KATA_EXPECT = {"fails": ["repeatable"], "diagnoses": ["not-repeatable"]}

_velocity = {}  # MISTAKE: the optimizer's state, kept by the backward pass
MOMENTUM = 0.9


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    key = (W.shape, W.dtype.str)
    vW, vb = _velocity.get(key, (np.zeros_like(W), np.zeros(W.shape[1], dtype=W.dtype)))
    vW = MOMENTUM * vW + A.T @ dZ
    vb = MOMENTUM * vb + dZ.sum(axis=0)
    _velocity[key] = (vW, vb)
    return dZ @ W.T, vW, vb
