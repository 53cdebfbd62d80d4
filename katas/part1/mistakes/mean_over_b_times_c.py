"""The loss averages over all B*C entries instead of over the B examples.

`np.mean(onehot * log_probs)` divides by B*C, so the loss and (consistently) the
gradient are exactly 1/C of the true ones. Forward and backward agree with each
other, so finite differences pass; only the comparison with the reference fails.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "backward", "batch-mean"], "diagnoses": ["mean-over-B-times-C"]}


def softmax_cross_entropy(logits, y):
    B, C = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    onehot = np.eye(C, dtype=logits.dtype)[y]
    loss = -np.mean(onehot * log_probs)  # MISTAKE: mean over B*C entries, not over B examples
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B, C = probs.shape
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B * C  # MISTAKE: matches the forward pass's mean over B*C
    return dlogits
