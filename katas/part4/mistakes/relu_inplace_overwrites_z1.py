"""An in-place ReLU overwrites Z1 with H1, and the backward mask is then built from that Z1 with >= 0.

After np.maximum(Z1, 0, out=Z1) the cached Z1 is never negative, so the mask
Z1 >= 0 is all ones: gradient flows back through units that were off.
"""
import numpy as np

KATA_EXPECT = {"fails": ["gradients", "batch-mean", "dead-unit", "finite-differences"],
               "diagnoses": ["relu-grad-where-negative"]}


def mlp_forward(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0, out=Z1)  # MISTAKE: in place, so Z1 now holds H1 (never negative)
    Z2 = H1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    cache = {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": probs}
    return loss, cache


def mlp_backward(cache):
    X, y = cache["X"], cache["y"]
    W1, W2 = cache["W1"], cache["W2"]
    Z1, H1, probs = cache["Z1"], cache["H1"], cache["probs"]
    B = X.shape[0]
    dZ2 = probs.copy()
    dZ2[np.arange(B), y] -= 1
    dZ2 /= B
    dW2 = H1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dH1 = dZ2 @ W2.T
    dZ1 = np.where(Z1 >= 0, dH1, np.zeros((), dtype=dH1.dtype))  # MISTAKE: all True on the overwritten Z1
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    dX = dZ1 @ W1.T
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
