"""The cache is a plain tuple instead of a dict, and the loss a 0-d array.

Correct: the cache is private to the learner's two functions; only its
round trip from mlp_forward to mlp_backward matters.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def mlp_forward(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0)
    Z2 = H1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = np.array(-log_probs[np.arange(B), y].mean())  # 0-d array
    return loss, (X, y, W1, W2, Z1, H1, probs)


def mlp_backward(cache):
    X, y, W1, W2, Z1, H1, probs = cache
    B = X.shape[0]
    dZ2 = probs.copy()
    dZ2[np.arange(B), y] -= 1
    dZ2 /= B
    dW2 = H1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dH1 = dZ2 @ W2.T
    dZ1 = np.where(Z1 > 0, dH1, 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    dX = dZ1 @ W1.T
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
