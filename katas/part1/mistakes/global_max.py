"""The softmax subtracts one global max of the whole matrix instead of each row's max.

Rows whose logits sit far below the global max underflow to exp(...) = 0
everywhere, and the row becomes log(0) = -inf and 0/0 = NaN.
"""
import numpy as np

KATA_EXPECT = {"fails": ["stability"], "diagnoses": ["global-max"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max()  # MISTAKE: global max, not per row
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
