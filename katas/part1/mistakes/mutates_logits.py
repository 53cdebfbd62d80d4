"""The forward pass shifts the caller's logits in place (logits -= max).

The returned values are right, but the caller's logits array is changed.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "forward", "repeatable"], "diagnoses": ["input-mutated"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)  # MISTAKE: writes into the caller's array
    shifted = logits
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
