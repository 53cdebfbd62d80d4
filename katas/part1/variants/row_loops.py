"""Python loops over the batch with vectorized work inside each row.

Correct: each row gets its own max shift and log-sum-exp; the loss is a NumPy
scalar of the input dtype.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B, C = logits.shape
    probs = np.empty_like(logits)
    losses = np.empty(B, dtype=logits.dtype)
    for i in range(B):
        row = logits[i] - logits[i].max()
        lse = np.log(np.sum(np.exp(row)))
        probs[i] = np.exp(row - lse)
        losses[i] = lse - row[y[i]]
    return losses.mean(), probs


def softmax_cross_entropy_backward(probs, y):
    B, C = probs.shape
    dlogits = np.empty_like(probs)
    for i in range(B):
        g = probs[i].copy()
        g[y[i]] -= 1
        dlogits[i] = g / B
    return dlogits
