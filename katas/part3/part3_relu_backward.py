"""Part 3: forward and backward of the ReLU nonlinearity.

Interview prompt: "Implement ReLU and its backward pass. Given the upstream
gradient dH and whatever you kept from the forward pass, return dZ. What is
the derivative at exactly zero, and which convention does PyTorch use?"

Rules: NumPy only; do not modify the input arrays; keep the input float dtype
(float32 in, float32 out).
"""

import numpy as np


def relu_forward(Z):
    """Elementwise ReLU.

    Args:
        Z: np.ndarray of any shape (typically (B, H)), float32 or float64.
            Pre-activations.

    Returns:
        H: np.ndarray of the same shape and dtype as Z. H = max(Z, 0)
            elementwise.
    """
    # Elementwise, no loops needed.
    # Make sure a float32 input still gives a float32 output.
    raise NotImplementedError("relu_forward: return max(Z, 0) elementwise")


def relu_backward(dH, Z):
    """Backward pass of H = relu(Z).

    Args:
        dH: np.ndarray of any shape (typically (B, H)), float32 or float64.
            Upstream gradient dloss/dH.
        Z: np.ndarray of the same shape as dH. The pre-activations from the
            forward pass.

    Returns:
        dZ: np.ndarray of the same shape and dtype as dH. dloss/dZ, with a
            gradient of 0 where Z is exactly 0 (PyTorch's convention).
    """
    # Where was the unit "on" during the forward pass? Decide that from Z.
    # The local derivative is only half the story: combine it with dH.
    # Decide explicitly what happens where Z == 0.
    raise NotImplementedError("relu_backward: return dZ with the shape of Z")
