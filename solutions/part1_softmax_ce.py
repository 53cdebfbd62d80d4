"""Reference solution for part1: numerically stable softmax cross-entropy.

Notation: B examples, C classes.

    logits [B, C] --softmax over each row--> probs [B, C]
    loss = mean over the batch of  -log probs[i, y[i]]          (a scalar)

Backward, with the softmax and the cross-entropy composed into one step:

    dloss/dlogits = (probs - onehot(y)) / B                     [B, C]
"""

import numpy as np


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy over a batch, computed without overflow.

    Inputs:
    - logits: np.ndarray of shape (B, C), float32 or float64; unnormalised scores.
    - y: np.ndarray of shape (B,), integer dtype; y[i] in [0, C) is the true class
      of example i.

    Returns a tuple of:
    - loss: scalar of the same float dtype as logits (a NumPy scalar); the mean
      over the B examples of -log(softmax(logits[i])[y[i]]).
    - probs: np.ndarray of shape (B, C), same dtype as logits; each row sums to 1.
    """
    B = logits.shape[0]

    # Softmax does not change if the same constant is added to every entry of a
    # row: exp(z - m) / sum(exp(z - m)) = exp(z) / sum(exp(z)), because the
    # factor exp(-m) cancels between numerator and denominator. Choosing m as the
    # row max is therefore exact, and it keeps every exponent <= 0, so exp never
    # overflows. Without it, a logit around 1000 gives exp(...) = inf and then
    # inf / inf = NaN. The max must be per row (axis=1, keepdims for
    # broadcasting): a single global max can still leave a row whose entries are
    # all hugely negative, where every exp underflows to 0 and the row becomes
    # 0 / 0.
    shifted = logits - logits.max(axis=1, keepdims=True)  # (B, C), max of each row is 0

    # Work in log space for the loss (log-sum-exp):
    #   log softmax(z)_k = s_k - log(sum_j exp(s_j)),  with s = z - max(z).
    # The sum contains exp(0) = 1, so the log is finite and >= 0. Taking
    # log(probs) instead would give log(0) = -inf whenever the true class sits a
    # few hundred units below the row max (its probability underflows to 0).
    log_sum_exp = np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (B, 1)
    log_probs = shifted - log_sum_exp  # (B, C)
    probs = np.exp(log_probs)  # (B, C), same dtype as logits

    # Pick out each example's log-probability at its true class with fancy
    # indexing (row i, column y[i]), negate and average over the batch.
    correct_log_probs = log_probs[np.arange(B), y]  # (B,)
    loss = -correct_log_probs.mean()  # NumPy scalar in the input dtype
    return loss, probs


def softmax_cross_entropy_backward(probs, y):
    """Gradient of the mean softmax cross-entropy with respect to the logits.

    Inputs:
    - probs: np.ndarray of shape (B, C), float32 or float64; the probabilities
      returned by softmax_cross_entropy.
    - y: np.ndarray of shape (B,), integer dtype; true class indices.

    Returns:
    - dlogits: np.ndarray of shape (B, C), same dtype as probs.
    """
    B = probs.shape[0]

    # For one example with loss L_i = -log p_y, differentiating through the
    # softmax gives dL_i/dz_k = p_k - [k == y]: the Jacobian of the softmax and
    # the derivative of -log collapse into this one difference. Every row
    # therefore sums to 0.
    #
    # Subtracting the one-hot vector touches only one entry per row, so we copy
    # the probabilities (never write into the caller's array) and subtract 1 at
    # (i, y[i]). This also avoids building a float64 one-hot with np.eye, which
    # would silently upcast a float32 result.
    dlogits = probs.copy()  # (B, C), same dtype as probs
    dlogits[np.arange(B), y] -= 1

    # The loss is a mean over B examples, so each example's gradient is scaled
    # by 1/B. This is the only place the factor appears: every layer below
    # receives it through the chain rule and must not apply it again.
    dlogits /= B
    return dlogits
