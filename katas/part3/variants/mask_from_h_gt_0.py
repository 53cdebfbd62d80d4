"""ReLU backward with the mask taken from the output, H > 0 (which is exactly Z > 0).

Correct: relu(z) > 0 holds exactly when z > 0. (H >= 0 would be the mistake:
it is always true.) The forward pass uses np.maximum with an explicit output
buffer.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    return np.maximum(Z, 0, out=np.empty_like(Z))


def relu_backward(dH, Z):
    H = relu_forward(Z)
    return np.where(H > 0, dH, np.zeros_like(dH))
