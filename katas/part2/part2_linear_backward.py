"""Part 2: forward and backward of a fully connected (affine) layer.

Interview prompt: "Here is a linear layer Z = A @ W + b applied to a batch of
B row vectors. Implement its forward pass, then, given the upstream gradient
dZ, return the gradients with respect to A, W and b. Say the shape of each
one before you write it."

Rules: NumPy only; do not modify the input arrays; keep the input float dtype
(float32 in, float32 out).
"""

import numpy as np


def linear_forward(A, W, b):
    """Affine layer on a batch.

    Args:
        A: np.ndarray of shape (B, n_in), float32 or float64. Input batch,
            one example per row.
        W: np.ndarray of shape (n_in, n_out), same dtype. Weights.
        b: np.ndarray of shape (n_out,), same dtype. Bias.

    Returns:
        Z: np.ndarray of shape (B, n_out), same dtype. Z = A @ W + b.
    """
    # One matrix product plus a bias that broadcasts over the rows.
    # Check: which dimension of A has to meet which dimension of W?
    raise NotImplementedError("linear_forward: return A @ W + b with shape (B, n_out)")


def linear_backward(dZ, A, W):
    """Backward pass of Z = A @ W + b.

    Args:
        dZ: np.ndarray of shape (B, n_out), float32 or float64. Upstream
            gradient dloss/dZ. If the loss is a batch mean, dZ already
            contains the 1/B factor.
        A: np.ndarray of shape (B, n_in), same dtype. The forward input.
        W: np.ndarray of shape (n_in, n_out), same dtype. The forward weights.

    Returns:
        A tuple (dA, dW, db):
        dA: np.ndarray of shape (B, n_in), same dtype. dloss/dA.
        dW: np.ndarray of shape (n_in, n_out), same dtype. dloss/dW.
        db: np.ndarray of shape (n_out,), same dtype. dloss/db.
    """
    # Each gradient has the shape of the tensor it belongs to; write the
    # target shape down, then find the one product of dZ with A or W (or a
    # transpose) that produces it.
    # The bias is shared by every row of the batch. How do the rows'
    # contributions combine, and what shape must db end up with?
    raise NotImplementedError("linear_backward: return (dA, dW, db)")
