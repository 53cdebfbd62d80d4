"""The per-example losses returned as a (B, 1) column, and the softmax normalised over axis 0."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["wrong-shape", "softmax-wrong-axis"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    probs = e / e.sum(axis=0, keepdims=True)  # MISTAKE: each column sums to 1
    return -np.log(probs[np.arange(B), y])[:, None], probs  # MISTAKE: (B, 1), no mean


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    d = probs.copy()
    d[np.arange(B), y] -= 1
    return d / B
