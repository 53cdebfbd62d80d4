"""linear_backward accumulates dW and db in module-level buffers across calls, like an unzeroed .grad.

The first call for a given shape is right; calling again with the same inputs
returns twice the gradient.
"""
import numpy as np

KATA_EXPECT = {"fails": ["repeatable"], "diagnoses": ["grads-accumulate"]}

_grad_buffers = {}  # MISTAKE: state kept between calls


def linear_forward(A, W, b):
    return A @ W + b


def linear_backward(dZ, A, W):
    key = (W.shape, W.dtype.str)
    if key not in _grad_buffers:
        _grad_buffers[key] = (np.zeros_like(W), np.zeros(W.shape[1], dtype=W.dtype))
    dW_total, db_total = _grad_buffers[key]
    dA = dZ @ W.T
    dW_total += A.T @ dZ  # MISTAKE: never zeroed
    db_total += dZ.sum(axis=0)
    return dA, dW_total.copy(), db_total.copy()
