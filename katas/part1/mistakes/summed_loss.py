"""The loss is the sum of the per-example losses, not their mean (reduction='sum'), and the backward matches it.

Forward and backward agree with each other, so finite differences pass; but the
loss and dlogits are both exactly B times the expected, at every batch size.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "backward", "batch-mean"], "diagnoses": ["summed-loss", "missing-1-over-B"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].sum()  # MISTAKE: sum over the batch, not the mean
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    return dlogits  # consistent with the summed loss, so also B times the mean's gradient
