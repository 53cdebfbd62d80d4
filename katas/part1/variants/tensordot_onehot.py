"""The true-class log-probabilities picked with a one-hot matrix contracted by np.tensordot; the loss is a 0-d array.

Correct: tensordot over both axes is the sum of onehot * log_probs, a 0-d array
of the input dtype, and the one-hot is built in that dtype too. The backward
subtracts the same one-hot matrix and scales by a dtype-matched 1/B.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def one_hot(y, C, dtype):
    out = np.zeros((len(y), C), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def softmax_cross_entropy(logits, y):
    B, C = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.tensordot(one_hot(y, C, logits.dtype), log_probs, axes=2) / logits.dtype.type(B)
    return loss, np.exp(log_probs)


def softmax_cross_entropy_backward(probs, y):
    B, C = probs.shape
    return (probs - one_hot(y, C, probs.dtype)) * probs.dtype.type(1.0 / B)
