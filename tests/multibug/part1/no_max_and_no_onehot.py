"""No max subtracted before exp, and the one-hot never subtracted in the backward pass."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["no-max-subtraction", "one-hot-not-subtracted"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    e = np.exp(logits)  # MISTAKE: overflows for large logits
    probs = e / e.sum(axis=1, keepdims=True)
    return -np.log(probs[np.arange(B), y]).mean(), probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    return probs / B  # MISTAKE: the one-hot is not subtracted
