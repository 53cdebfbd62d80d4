"""The mask Z >= 0 is taken from a Z that an in-place ReLU has already overwritten with H.

Z >= 0 is a fine mask on the pre-activations (gradient 1 at the kink), but after
`np.maximum(Z, 0, out=Z)` the array holds H, which is never negative, so the mask
is true everywhere and gradient flows through every unit that was off. (The
same happens in a full network when the forward pass applies ReLU in place to
the Z it keeps in its cache.) Here the in-place ReLU runs on a private copy, so
the caller's array is left alone and only the mask is wrong.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "zero-convention", "finite-differences"],
               "diagnoses": ["relu-grad-where-negative"]}


def relu_(A):
    """ReLU in place: saves allocating a new array."""
    np.maximum(A, 0, out=A)
    return A


def relu_forward(Z):
    return relu_(Z.copy())


def relu_backward(dH, Z):
    Z = relu_forward(Z)  # MISTAKE: "Z" now holds H = max(Z, 0), never negative
    return np.where(Z >= 0, dH, np.zeros((), dtype=dH.dtype))
