"""An in-place ReLU, applied to a copy of Z1, with the mask from the untouched Z1 (as a float multiplier).

Correct: np.maximum(..., out=H1) writes only into the copy, so the cached Z1
still holds the negative pre-activations the mask needs, and units that are off
for every example get exactly zero gradient.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def mlp_forward(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    Z1 = X @ W1 + b1
    H1 = Z1.copy()
    np.maximum(H1, 0, out=H1)  # in place, but on the copy
    Z2 = H1 @ W2 + b2
    Z2 -= Z2.max(axis=1, keepdims=True)  # Z2 is ours: shifting it in place is fine
    log_probs = Z2 - np.log(np.exp(Z2).sum(axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(B), y])
    return loss, {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": np.exp(log_probs)}


def mlp_backward(cache):
    X, y, W1, W2, Z1, H1, probs = (cache[k] for k in ("X", "y", "W1", "W2", "Z1", "H1", "probs"))
    B = X.shape[0]
    dZ2 = probs - (np.arange(probs.shape[1]) == y[:, None]).astype(probs.dtype)
    dZ2 /= B
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0).astype(X.dtype)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0), "X": dZ1 @ W1.T}
