"""The 1/B of the batch mean is applied twice in the backward pass.

dlogits is divided by B and then by B again, so it is exactly 1/B of the true
gradient.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "batch-mean", "finite-differences"], "diagnoses": ["extra-1-over-B"]}


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
    dlogits /= B
    dlogits /= B  # MISTAKE: the 1/B a second time
    return dlogits
