"""A one-hot matrix built with np.eye(C, dtype=...)[y], and einsum to pick the true-class log-probabilities.

Correct: the one-hot keeps the input dtype, so float32 stays float32.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B, C = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    onehot = np.eye(C, dtype=logits.dtype)[y]
    loss = -np.einsum("bc,bc->", onehot, log_probs) / B
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B, C = probs.shape
    onehot = np.eye(C, dtype=probs.dtype)[y]
    return (probs - onehot) / B
