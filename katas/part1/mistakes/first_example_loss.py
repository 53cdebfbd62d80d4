"""The loss is the first example's loss divided by B: loss[0] / B.

The per-example losses are right, but an index was left on them, so the
"mean" is one example's loss over B. Its value is plausible (a few tenths), and
the gradient, written separately, is right, so only the loss is off.
"""
import numpy as np

KATA_EXPECT = {"fails": ["forward", "batch-mean", "finite-differences"], "diagnoses": ["first-example-loss"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    losses = -log_probs[np.arange(B), y]
    loss = losses[0] / B  # MISTAKE: the first example only; the mean is losses.sum() / B
    return loss, np.exp(log_probs)


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    dlogits = probs.copy()
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return dlogits
