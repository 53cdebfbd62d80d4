"""One max for the whole batch, and dlogits with its sign flipped."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["global-max", "sign-flip"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max()  # MISTAKE: one max for the batch
    e = np.exp(shifted)
    probs = e / e.sum(axis=1, keepdims=True)
    return -np.log(probs[np.arange(B), y]).mean(), probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    d = probs.copy()
    d[np.arange(B), y] -= 1
    return -d / B  # MISTAKE: sign
