"""The backward pass writes the gradient into the caller's probs (no copy).

`dlogits = probs` is an alias, so subtracting the one-hot and dividing by B
destroy the probabilities the caller still holds.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "backward", "repeatable"], "diagnoses": ["input-mutated"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs  # MISTAKE: an alias, not a copy
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
