"""No 1/B in dZ2 and a ReLU mask from H1 >= 0: where the B entered cannot be told from dW2 and db2."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["missing-1-over-B", "relu-grad-where-negative"]}


def mlp_forward(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0)
    Z2 = H1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": probs}


def mlp_backward(cache):
    X, y, W1, W2, Z1, H1, probs = (cache[k] for k in ("X", "y", "W1", "W2", "Z1", "H1", "probs"))
    B = X.shape[0]
    dZ2 = probs.copy()
    dZ2[np.arange(B), y] -= 1  # MISTAKE: no / B
    dH1 = dZ2 @ W2.T
    dZ1 = dH1 * (H1 >= 0)  # MISTAKE: the mask is all ones
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0), "X": dZ1 @ W1.T}
