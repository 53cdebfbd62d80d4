"""No dX, a ReLU mask from H1 >= 0, no 1/B at the head and no max-subtraction, all at once."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["no-x-grad", "relu-grad-where-negative", "missing-1-over-B", "no-max-subtraction"]}


def mlp_forward(X, y, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0)
    Z2 = H1 @ W2 + b2
    e = np.exp(Z2)  # MISTAKE: no max subtracted
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(B), y]).mean()
    return loss, {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": probs}


def mlp_backward(cache):
    X, y, W2, H1, probs = cache["X"], cache["y"], cache["W2"], cache["H1"], cache["probs"]
    B = X.shape[0]
    dZ2 = probs.copy()
    dZ2[np.arange(B), y] -= 1  # MISTAKE: no / B
    dW2 = H1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dH1 = dZ2 @ W2.T
    dZ1 = dH1 * (H1 >= 0)  # MISTAKE: all ones
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": dW2, "b2": db2}  # MISTAKE: no "X"
