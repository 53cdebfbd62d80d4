"""The loss left as the B per-example losses, and dlogits without 1/B."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["per-example-loss", "missing-1-over-B"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(B), y], np.exp(log_probs)  # MISTAKE: no .mean()


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    d = probs.copy()
    d[np.arange(B), y] -= 1
    return d  # MISTAKE: no / B
