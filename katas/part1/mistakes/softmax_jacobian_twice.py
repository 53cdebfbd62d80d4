"""The backward pass applies the softmax Jacobian on top of (probs - onehot)/B.

(probs - onehot)/B is already the gradient with respect to the logits. Treating
it as a gradient with respect to the probabilities and pushing it through the
softmax again, p * (g - sum(g * p)), shrinks every entry.
"""
import numpy as np

KATA_EXPECT = {"fails": ["backward", "batch-mean", "finite-differences"], "diagnoses": ["softmax-jacobian-twice"]}


def softmax_cross_entropy(logits, y):
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(B), y].mean(), np.exp(log_probs)


def softmax_cross_entropy_backward(probs, y):
    B = probs.shape[0]
    g = probs.copy()
    g[np.arange(B), y] -= 1
    g /= B
    # MISTAKE: g is already dL/dlogits; this is the softmax Jacobian a second time
    return probs * (g - (g * probs).sum(axis=1, keepdims=True))
