"""The gradient has the wrong sign: onehot(y) - probs instead of probs - onehot(y).

dlogits is exactly -1 times the true gradient.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "batch-mean", "finite-differences"], "diagnoses": ["sign-flip"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = -probs  # MISTAKE: onehot - probs, the sign flipped
    dlogits[np.arange(B), y] += 1
    dlogits /= B
    return dlogits
