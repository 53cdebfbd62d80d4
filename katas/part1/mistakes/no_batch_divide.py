"""The 1/B of the batch mean is missing from the backward pass.

The loss is a mean over the batch, but dlogits is probs - onehot(y) without the
division by B, so every gradient is exactly B times too large (and the factor
follows B when the batch size changes).
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "batch-mean", "finite-differences"], "diagnoses": ["missing-1-over-B"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    return dlogits  # MISTAKE: no `dlogits /= B`
