"""ReLU with explicit Python loops over every entry (np.ndindex), writing into arrays of the input dtype.

Correct, if slow: each entry is max(z, 0) forward and dH or 0 backward, with
gradient 0 at exactly Z == 0; np.empty_like keeps float32 as float32.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    H = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        H[idx] = Z[idx] if Z[idx] > 0 else 0
    return H


def relu_backward(dH, Z):
    dZ = np.empty_like(dH)
    for idx in np.ndindex(Z.shape):
        dZ[idx] = dH[idx] if Z[idx] > 0 else 0
    return dZ
