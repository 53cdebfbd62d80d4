"""The loss is returned as the vector of per-example losses, shape (B,), not their mean.

The values are right per example but the contract asks for one scalar: the
mean over the batch.
"""
import numpy as np

KATA_EXPECT = {"fails": ["shapes", "forward", "batch-mean", "finite-differences", "stability"], "diagnoses": ["per-example-loss"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y]  # MISTAKE: no .mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
