"""The cache is an instance of a small custom class, and the ReLU mask is taken from H1 > 0.

Correct: H1 > 0 holds exactly where Z1 > 0, and the cache object never leaves
the learner's code.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


class Cache:
    __slots__ = ("X", "y", "W1", "W2", "H1", "probs")

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


def mlp_forward(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    H1 = np.maximum(X @ W1 + b1, 0)
    Z2 = H1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(B), y].mean()
    return loss, Cache(X=X, y=y, W1=W1, W2=W2, H1=H1, probs=np.exp(log_probs))


def mlp_backward(cache):
    B = cache.X.shape[0]
    dZ2 = cache.probs.copy()
    dZ2[np.arange(B), cache.y] -= 1
    dZ2 /= B
    dW2 = cache.H1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ cache.W2.T) * (cache.H1 > 0)
    dW1 = cache.X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    dX = dZ1 @ cache.W1.T
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
