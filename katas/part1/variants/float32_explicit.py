"""Every intermediate cast explicitly to the input dtype, with the 1/B applied as a multiplication.

Correct: casting with astype(dtype, copy=False) is a no-op for matching dtypes,
and multiplying by a Python float 1/B does not upcast float32.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def softmax_cross_entropy(logits, y):
    dtype = logits.dtype
    B = logits.shape[0]
    shifted = (logits - np.max(logits, axis=-1, keepdims=True)).astype(dtype, copy=False)
    sumexp = np.sum(np.exp(shifted), axis=-1, keepdims=True, dtype=dtype)
    log_probs = shifted - np.log(sumexp)
    probs = np.exp(log_probs).astype(dtype, copy=False)
    loss = dtype.type(-np.sum(log_probs[np.arange(B), y]) * (1.0 / B))
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = np.array(probs, dtype=probs.dtype, copy=True)
    dlogits[np.arange(B), y] -= dlogits.dtype.type(1)
    dlogits *= 1.0 / B
    return dlogits
