"""Part 1: the loss head of a classifier, and its gradient.

Interview prompt: "Your network produces a [B, C] matrix of logits for a batch
of B examples and C classes, and you have the integer labels y. Write the mean
softmax cross-entropy loss in NumPy so that it never produces inf or NaN, even
for logits in the thousands. Then write its gradient with respect to the
logits, and tell me the shape of everything you compute."

Rules: NumPy only; do not modify the input arrays; return arrays in the same
float dtype as the input (float32 in, float32 out).
"""

import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy over a batch.

    Args:
        logits: np.ndarray of shape (B, C), float32 or float64. Raw,
            unnormalised class scores, one row per example.
        y: np.ndarray of shape (B,), int64. y[i] is the index in [0, C) of
            the true class of example i.

    Returns:
        A tuple (loss, probs):
        loss: scalar (Python float or NumPy scalar, ideally of the logits'
            dtype). The average over the B examples of
            -log(softmax(logits[i])[y[i]]).
        probs: np.ndarray of shape (B, C), same dtype as logits. Row-wise
            softmax probabilities; every row sums to 1.
    """
    # Softmax is computed per row (per example), never across the batch.
    # Think about what np.exp does with a logit of 1000, and what you could
    # subtract from a row without changing its softmax.
    # For the loss itself, log(probs) can still hit log(0): is there a way to
    # get log-probabilities without dividing first?
    raise NotImplementedError("softmax_cross_entropy: compute the stable softmax and the mean loss")


def softmax_cross_entropy_backward(probs, y):
    """Gradient of the mean softmax cross-entropy with respect to the logits.

    Args:
        probs: np.ndarray of shape (B, C), float32 or float64. The
            probabilities returned by softmax_cross_entropy.
        y: np.ndarray of shape (B,), int64. True class indices.

    Returns:
        dlogits: np.ndarray of shape (B, C), same dtype as probs. The
            gradient dloss/dlogits.
    """
    # Derive it for one example first: softmax followed by -log of the true
    # class simplifies to a very short expression.
    # Then account for the loss being a mean over B examples.
    # Don't write into probs, and watch the dtype of anything you build here.
    raise NotImplementedError("softmax_cross_entropy_backward: return dloss/dlogits of shape (B, C)")
