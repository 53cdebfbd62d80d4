"""The softmax does not subtract each row's max before exp.

Exact on ordinary logits, but exp overflows to inf for logits around 1000 and
inf / inf gives NaN. (The loss uses log-sum-exp, so only the missing shift is
wrong here.)
"""
import numpy as np

KATA_EXPECT = {"fails": ["stability"], "diagnoses": ["no-max-subtraction"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits  # MISTAKE: no `- logits.max(axis=1, keepdims=True)`
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
