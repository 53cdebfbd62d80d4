"""The 1/B is applied at the very end, to each of the five gradients, instead of to dZ2.

Correct: every gradient is linear in dZ2, so dividing dZ2 by B or dividing each
result by B gives the same numbers. The loss is a NumPy scalar of X's dtype.
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
    loss = X.dtype.type(-log_probs[np.arange(B), y].sum() / B)  # e.g. np.float32
    cache = {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": np.exp(log_probs)}
    return loss, cache


def mlp_backward(cache):
    X, y, W1, W2, Z1, H1, probs = (cache[k] for k in ("X", "y", "W1", "W2", "Z1", "H1", "probs"))
    B = X.shape[0]
    G = probs.copy()  # B·dZ2: the per-example gradient of the loss head
    G[np.arange(B), y] -= 1
    dZ1 = np.where(Z1 > 0, G @ W2.T, 0)
    sums = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ G, "b2": G.sum(axis=0), "X": dZ1 @ W1.T}
    return {name: value / B for name, value in sums.items()}
