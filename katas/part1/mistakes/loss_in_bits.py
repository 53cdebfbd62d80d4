"""The forward loss uses log base 2 while the backward pass is the true natural-log gradient.

The backward pass matches the reference, but it is not the derivative of this
forward pass: finite differences of the learner's own loss are 1/ln 2 times
dlogits. This shows the finite-difference check catching an inconsistency
without looking at the reference.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "finite-differences"], "diagnoses": ["wrong-log-base"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean() / np.log(logits.dtype.type(2))  # MISTAKE: bits, not nats
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
