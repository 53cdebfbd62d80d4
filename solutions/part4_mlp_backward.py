"""Reference solution for part4: a two-layer MLP, forward and backward by hand.

Shapes along the whole path (B examples, D inputs, H hidden units, C classes):

    X  [B, D]
    Z1 = X @ W1 + b1        W1 [D, H], b1 [H]      -> Z1 [B, H]
    H1 = relu(Z1)                                  -> H1 [B, H]
    Z2 = H1 @ W2 + b2       W2 [H, C], b2 [C]      -> Z2 [B, C]  (logits)
    probs = softmax(Z2) row-wise                   -> probs [B, C]
    loss = mean_i -log probs[i, y[i]]              -> scalar

Backward, in reverse order of the forward pass:

    dZ2 = (probs - onehot(y)) / B                  [B, C]   (the only 1/B)
    dW2 = H1.T @ dZ2                               [H, C]
    db2 = sum_batch dZ2                            [C]
    dH1 = dZ2 @ W2.T                               [B, H]
    dZ1 = dH1 where Z1 > 0, else 0                 [B, H]
    dW1 = X.T @ dZ1                                [D, H]
    db1 = sum_batch dZ1                            [H]
    dX  = dZ1 @ W1.T                               [B, D]

This module is self-contained on purpose: it repeats the few lines of the
earlier parts instead of importing them.
"""

import numpy as np


def mlp_forward(X, y, params):
    """Forward pass of the two-layer MLP with a mean softmax cross-entropy loss.

    Inputs:
    - X: np.ndarray of shape (B, D), float32 or float64.
    - y: np.ndarray of shape (B,), integer dtype; class indices in [0, C).
    - params: dict with
        - "W1": np.ndarray (D, H)
        - "b1": np.ndarray (H,)
        - "W2": np.ndarray (H, C)
        - "b2": np.ndarray (C,)
      all with the same float dtype as X.

    Returns a tuple of:
    - loss: scalar (NumPy scalar of X's dtype); mean cross-entropy over the batch.
    - cache: dict holding exactly what mlp_backward needs: X, y, W1, W2, Z1
      (for the ReLU mask), H1 (for dW2) and probs (for dZ2). Nothing in it is
      a copy, and nothing is modified later, so the inputs stay untouched.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]

    # Layer 1: affine, then ReLU.
    Z1 = X @ W1 + b1  # (B, D) @ (D, H) + (H,) -> (B, H)
    H1 = np.maximum(Z1, 0)  # (B, H)

    # Layer 2: affine, producing the logits.
    Z2 = H1 @ W2 + b2  # (B, H) @ (H, C) + (C,) -> (B, C)

    # Stable softmax cross-entropy. Shifting every row by its max is exact
    # (softmax ignores a constant added to a row) and keeps exp from
    # overflowing; the loss uses log-sum-exp rather than log(probs).
    shifted = Z2 - Z2.max(axis=1, keepdims=True)  # (B, C)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (B, C)
    probs = np.exp(log_probs)  # (B, C)
    loss = -log_probs[np.arange(B), y].mean()  # scalar

    cache = {"X": X, "y": y, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1, "probs": probs}
    return loss, cache


def mlp_backward(cache):
    """Backward pass of the two-layer MLP.

    Inputs:
    - cache: the dict returned by mlp_forward.

    Returns:
    - grads: dict of np.ndarray, each with the shape and dtype of the tensor it
      differentiates:
        - "W1": (D, H)   "b1": (H,)
        - "W2": (H, C)   "b2": (C,)
        - "X":  (B, D)
    """
    X, y = cache["X"], cache["y"]
    W1, W2 = cache["W1"], cache["W2"]
    Z1, H1, probs = cache["Z1"], cache["H1"], cache["probs"]
    B = X.shape[0]

    # Loss head: softmax and cross-entropy together give probs - onehot(y) per
    # example; the batch mean contributes 1/B. This is the one and only place
    # the 1/B appears; it flows into every gradient below via the chain rule.
    dZ2 = probs.copy()  # (B, C); copy so the cached probs are not overwritten
    dZ2[np.arange(B), y] -= 1
    dZ2 /= B

    # Second affine layer, Z2 = H1 @ W2 + b2.
    dW2 = H1.T @ dZ2  # (H, B) @ (B, C) -> (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dH1 = dZ2 @ W2.T  # (B, C) @ (C, H) -> (B, H)

    # ReLU: pass the gradient only where the pre-activation was positive
    # (0 at exactly Z1 == 0, as in PyTorch). The mask comes from Z1, not H1.
    # Multiplying by the boolean mask is the same as np.where(Z1 > 0, dH1, 0)
    # for finite dH1, and several times faster on a random mask.
    dZ1 = dH1 * (Z1 > 0)  # (B, H); dtype of dH1

    # First affine layer, Z1 = X @ W1 + b1.
    dW1 = X.T @ dZ1  # (D, B) @ (B, H) -> (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    dX = dZ1 @ W1.T  # (B, H) @ (H, D) -> (B, D)

    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}
