"""The loss takes log(probs) instead of staying in log space (log-sum-exp).

Correct whenever probs[i, y[i]] is representable, but it underflows to 0 when
the true class is a few hundred below the row max, and -log(0) = inf. This
earns a warning, not a failure.
"""
import numpy as np

KATA_EXPECT = {"warns": ["log-space-loss"], "diagnoses": ["log-of-probs"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    probs = exps / exps.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(B), y]).mean()  # MISTAKE: log of an underflowed probability is -inf
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
