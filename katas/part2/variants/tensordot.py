"""Forward and backward of the linear layer written with np.tensordot and np.add.reduce."""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    return np.tensordot(A, W, axes=1) + b


def linear_backward(dZ, A, W):
    dA = np.tensordot(dZ, W, axes=([1], [1]))  # contract n_out
    dW = np.tensordot(A, dZ, axes=([0], [0]))  # contract the batch
    db = np.add.reduce(dZ, axis=0)
    return dA, dW, db
