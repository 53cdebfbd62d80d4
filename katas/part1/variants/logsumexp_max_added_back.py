"""log_probs = logits - logsumexp(logits), with the max added back inside the log-sum-exp.

The scipy.special.logsumexp way: lse = m + log(sum(exp(logits - m))). Correct: the
shift by m is exact, so nothing overflows. Adding m back rounds at the logits'
magnitude, so for logits of size 1e4 each log-probability is off by about one ulp
of 1e4 (about 1e-3 in float32), which is rounding, not a mistake.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))  # (B, 1)
    log_probs = logits - lse
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(B), y].mean()
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    return dlogits / B
