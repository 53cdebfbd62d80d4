"""The loss clips the probabilities to [1e-7, 1 - 1e-7] before the log.

A habit from Keras (whose epsilon is 1e-7): it keeps log(0) away, but every
example whose true-class probability is below 1e-7 gets the capped loss
-log(1e-7) ≈ 16.1 instead of its own. Exact on ordinary logits here, and wrong
(finite, so no inf gives it away) once a true class sits far below its row max.
"""
import numpy as np

KATA_EXPECT = {"fails": ["log-space-loss"], "diagnoses": ["clipped-log"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    probs = exps / exps.sum(axis=1, keepdims=True)
    clipped = np.clip(probs, 1e-7, 1 - 1e-7)  # MISTAKE: the clip changes the loss where p[y] < 1e-7
    loss = -np.log(clipped[np.arange(B), y]).mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
