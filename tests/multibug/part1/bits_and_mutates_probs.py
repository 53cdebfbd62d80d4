"""The loss in bits (log2), and the backward pass writes into the caller's probs."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["wrong-log-base", "input-mutated"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -(log_probs[np.arange(B), y] / np.log(2.0)).mean(), np.exp(log_probs)  # MISTAKE: log2


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    probs[np.arange(B), y] -= 1  # MISTAKE: in place
    probs /= B
    return probs
