"""probs returned transposed, as (C, B), and the loss summed over the batch instead of averaged."""
import numpy as np

KATA_EXPECT = {"diagnoses": ["wrong-transpose", "summed-loss"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(B), y].sum()  # MISTAKE: sum, not mean
    return loss, np.exp(log_probs).T  # MISTAKE: (C, B)


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    d = probs.copy()
    d[np.arange(B), y] -= 1
    return d / B
