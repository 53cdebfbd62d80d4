"""The one-hot of the labels is never subtracted: dlogits = probs / B.

Each row of dlogits sums to 1/B instead of 0, and the labels do not affect the
gradient at all.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "batch-mean", "finite-differences"], "diagnoses": ["one-hot-not-subtracted"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()  # MISTAKE: missing `dlogits[np.arange(B), y] -= 1`
    dlogits /= B
    return dlogits
