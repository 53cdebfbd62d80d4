"""The MLP with np.einsum in the forward pass and np.tensordot in the backward pass."""
import numpy as np

KATA_EXPECT = {"passes": True}


def mlp_forward(X, y, params):
    B = X.shape[0]
    Z1 = np.einsum("bd,dh->bh", X, params["W1"]) + params["b1"]
    H1 = np.maximum(Z1, 0)
    Z2 = np.einsum("bh,hc->bc", H1, params["W2"]) + params["b2"]
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.einsum("bc->b", np.exp(shifted)))[:, None]
    probs = np.exp(log_probs)
    loss = -np.einsum("b->", log_probs[np.arange(B), y]) / B
    cache = {"X": X, "y": y, "W1": params["W1"], "W2": params["W2"], "Z1": Z1, "H1": H1, "probs": probs}
    return loss, cache


def mlp_backward(cache):
    X, y, Z1, H1, probs = cache["X"], cache["y"], cache["Z1"], cache["H1"], cache["probs"]
    B, C = probs.shape
    dZ2 = (probs - np.eye(C, dtype=probs.dtype)[y]) / B
    dW2 = np.tensordot(H1, dZ2, axes=([0], [0]))
    db2 = np.add.reduce(dZ2, axis=0)
    dH1 = np.tensordot(dZ2, cache["W2"], axes=([1], [1]))
    dZ1 = np.where(Z1 > 0, dH1, 0)
    dW1 = np.tensordot(X, dZ1, axes=([0], [0]))
    db1 = np.add.reduce(dZ1, axis=0)
    dX = np.tensordot(dZ1, cache["W1"], axes=([1], [1]))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
