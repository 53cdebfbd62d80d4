"""The per-example losses returned as a (B, 1) column instead of their mean, and dlogits divided by B twice."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["wrong-shape", "extra-1-over-B"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(B), y][:, None], np.exp(log_probs)  # MISTAKE: (B, 1)


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    d = probs.copy()
    d[np.arange(B), y] -= 1
    return d / B / B  # MISTAKE: twice
