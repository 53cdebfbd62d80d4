"""relu_backward multiplies by a float64 mask ((Z > 0).astype(float)), so float32 inputs give a float64 dZ.

The values are right; only the dtype is silently upcast. This earns a warning,
not a failure.
"""
import numpy as np

KATA_EXPECT = {"warns": ["shapes", "backward"], "diagnoses": ["float64-upcast"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    return dH * (Z > 0).astype(float)  # MISTAKE: float is float64
