"""The backward pass through the softmax Jacobian, once: dL/dp first, then J^T.

dL/dp is -onehot(y) / (B * p) (zero off the true class), and the softmax Jacobian
turns it into p * (g - sum(g * p)) per row, which is (p - onehot(y)) / B again.
The fused formula, reached the long way.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(B), y].mean(), np.exp(log_probs)


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    rows = np.arange(B)
    dprobs = np.zeros_like(probs)
    dprobs[rows, y] = -1 / (B * probs[rows, y])
    return probs * (dprobs - (dprobs * probs).sum(axis=1, keepdims=True))
