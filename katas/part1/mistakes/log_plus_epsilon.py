"""The loss is -log(probs[y] + 1e-9): an epsilon "to avoid log(0)".

It is not free: every example's loss moves by about 1e-9 / p[y], beyond float64
rounding, so the forward check fails; and where p[y] underflows the loss is
capped at -log(1e-9) ≈ 20.7 instead of its real value.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "log-space-loss"], "diagnoses": ["epsilon-in-log"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    probs = exps / exps.sum(axis=1, keepdims=True)
    # MISTAKE: the epsilon moves every loss by about 1e-9 / p[y], and caps it at -log(1e-9)
    loss = -np.log(probs[np.arange(B), y] + 1e-9).mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
