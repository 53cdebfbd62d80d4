"""Forward and backward of the linear layer written with np.einsum."""
import numpy as np

KATA_EXPECT = {"passes": True}


def linear_forward(A, W, b):
    return np.einsum("bi,io->bo", A, W) + b


def linear_backward(dZ, A, W):
    dA = np.einsum("bo,io->bi", dZ, W)
    dW = np.einsum("bi,bo->io", A, dZ)
    db = np.einsum("bo->o", dZ)
    return dA, dW, db
