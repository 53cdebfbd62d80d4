"""Log-sum-exp with np.logaddexp.reduce along each row, with no explicit max subtraction.

Correct: logaddexp(a, b) is computed stably by NumPy itself, so the reduction
never overflows; the loss is returned as a 0-d array.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    lse = np.logaddexp.reduce(logits, axis=1, keepdims=True)  # (B, 1)
    log_probs = logits - lse
    probs = np.exp(log_probs)
    loss = np.asarray(-np.take_along_axis(log_probs, y[:, None], axis=1).mean())  # 0-d array
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    np.subtract.at(dlogits, (np.arange(B), y), 1)
    return dlogits / B
