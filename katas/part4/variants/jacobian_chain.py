"""The head gradient the long way: dL/dprobs, then the softmax Jacobian, once.

dL/dprobs is -onehot(y) / (B * p), and p * (g - sum(g * p)) turns it into
(probs - onehot(y)) / B. The probabilities are also clipped to [0, 1], which
changes nothing. Neither may be named as a mistake.
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
    probs = np.clip(np.exp(log_probs), 0, 1)  # a no-op: exp of a log-probability is in [0, 1]
    loss = -log_probs[np.arange(B), y].mean()
    cache = {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": probs}
    return loss, cache


def mlp_backward(cache):
    X, y = cache["X"], cache["y"]
    W1, W2 = cache["W1"], cache["W2"]
    Z1, H1, probs = cache["Z1"], cache["H1"], cache["probs"]
    B = X.shape[0]
    rows = np.arange(B)
    dprobs = np.zeros_like(probs)
    dprobs[rows, y] = -1 / (B * probs[rows, y])  # dL/dprobs
    dZ2 = probs * (dprobs - (dprobs * probs).sum(axis=1, keepdims=True))  # through the softmax, once
    dW2 = H1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dH1 = dZ2 @ W2.T
    dZ1 = np.where(Z1 > 0, dH1, np.zeros((), dtype=dH1.dtype))
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    dX = dZ1 @ W1.T
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
