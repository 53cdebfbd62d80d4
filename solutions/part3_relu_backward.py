"""Reference solution for part3: forward and backward of the ReLU nonlinearity.

    H = max(Z, 0)                 elementwise, any shape
    dZ = dH where Z > 0, else 0   (the derivative at exactly Z == 0 is taken as 0)
"""

import numpy as np


def relu_forward(Z):
    """Elementwise rectified linear unit.

    Inputs:
    - Z: np.ndarray of any shape, float32 or float64; the pre-activations.

    Returns:
    - H: np.ndarray of the same shape and dtype as Z; H = max(Z, 0).
    """
    # The Python int 0 does not promote the dtype, so float32 stays float32.
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    """Backward pass of H = relu(Z).

    Inputs:
    - dH: np.ndarray of any shape, float32 or float64; upstream gradient dloss/dH.
    - Z: np.ndarray of the same shape as dH; the pre-activations from the
      forward pass (not the activations H).

    Returns:
    - dZ: np.ndarray of the same shape and dtype as dH; dloss/dZ.
    """
    # Local derivative of max(z, 0): 1 where z > 0, 0 where z < 0. At z == 0 the
    # function has a kink and any value in [0, 1] is a valid subgradient; we use
    # 0, the same choice as torch.relu, so the result matches autograd exactly.
    #
    # The mask must come from Z. Building it from H with H >= 0 is always true
    # (H is never negative), so the gradient would leak through inactive units.
    active = Z > 0  # boolean, same shape as Z

    # Chain rule: multiply the upstream gradient by the local derivative, i.e.
    # keep dH where the unit was active and write 0 elsewhere. np.where with a
    # zero of dH's own dtype keeps float32 as float32, and does not turn an
    # inactive inf into NaN the way dH * mask would.
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
