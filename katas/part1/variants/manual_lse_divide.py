"""Probabilities by division (exp / sum) and the loss as lse - logit[y] with a manual log-sum-exp.

Correct: the max is added back into the log-sum-exp, so the loss is computed
from unshifted logits without overflow; the loss is returned as a Python float.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    probs = e / s
    lse = (m + np.log(s))[:, 0]  # (B,)
    loss = float(np.mean(lse - logits[np.arange(B), y]))
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs / B
    dlogits[np.arange(B), y] -= 1.0 / B
    return dlogits
