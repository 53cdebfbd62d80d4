"""Log-sum-exp with defensive floors that never bite.

The sum of exp(shifted) is at least 1 (the max's own term is exp(0)), so a floor
of 1e-300 under its log changes nothing, and probabilities computed as exp of
log-probabilities already lie in [0, 1], so clipping them there is a no-op. A
floor that changes nothing must not be named.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.maximum(np.exp(shifted).sum(axis=1, keepdims=True), 1e-300))
    log_probs = shifted - log_sum
    probs = np.clip(np.exp(log_probs), 0, 1)
    return -log_probs[np.arange(B), y].mean(), probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    onehot = np.zeros_like(probs)
    onehot[np.arange(B), y] = 1
    return (probs - onehot) / B
