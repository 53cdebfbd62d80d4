"""The one-hot matrix comes from np.eye(C) without dtype=, so float32 inputs give a float64 gradient.

The values are right; only the dtype is silently upcast. This earns a warning,
not a failure.
"""
import numpy as np

KATA_EXPECT = {"warns": ["shapes", "backward"], "diagnoses": ["float64-upcast"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B, C = probs.shape
    onehot = np.eye(C)[y]  # MISTAKE: float64 whatever probs' dtype is
    return (probs - onehot) / B
