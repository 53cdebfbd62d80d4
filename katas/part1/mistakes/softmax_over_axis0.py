"""The softmax normalises over axis 0 (across the batch) instead of over each row.

The columns of probs sum to 1 instead of the rows, so an example's loss depends
on the other examples in the batch. The backward formula is the usual one, which
is no longer the derivative of this forward pass.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "finite-differences", "stability"], "diagnoses": ["softmax-wrong-axis"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=0, keepdims=True)  # MISTAKE: axis=0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))  # MISTAKE: axis=0
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
