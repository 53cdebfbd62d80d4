"""Part 4: a two-layer MLP, forward and backward entirely by hand.

Interview prompt: "Put it together. Take a batch X of shape [B, D] with
integer labels y, run it through Linear -> ReLU -> Linear -> softmax
cross-entropy (mean over the batch), and then backpropagate by hand to get the
gradient of the loss with respect to every weight, every bias and the input X.
Keep only what the backward pass needs, and tell me every shape on the way."

    X [B, D] --W1 [D, H], b1 [H]--> Z1 [B, H] --ReLU--> H1 [B, H]
             --W2 [H, C], b2 [C]--> Z2 [B, C] (logits) --softmax + CE--> loss

Rules: NumPy only; do not modify the input arrays; keep the input float dtype
(float32 in, float32 out).

You may reuse your own code from the earlier parts: your workspace folder is
on sys.path, so for example `from part2_linear_backward import linear_backward`
works. Writing the few lines again in this file is just as fine.
"""

import numpy as np


def mlp_forward(X, y, params):
    """Forward pass of the MLP and its mean softmax cross-entropy loss.

    Args:
        X: np.ndarray of shape (B, D), float32 or float64. Input batch.
        y: np.ndarray of shape (B,), int64. Class indices in [0, C).
        params: dict of np.ndarray, all with X's dtype:
            "W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,).

    Returns:
        A tuple (loss, cache):
        loss: scalar (Python float or NumPy scalar). Mean cross-entropy over
            the B examples.
        cache: anything you like (a dict or tuple is typical). It is passed
            unchanged to mlp_backward and must hold everything it needs.
    """
    # Walk the diagram left to right; write each intermediate's shape as a
    # comment next to it.
    # The loss head must stay stable for large logits, exactly as in part 1.
    # Before returning, ask which intermediates the backward pass will need
    # (hint: the ReLU mask needs the pre-activation).
    raise NotImplementedError("mlp_forward: return (loss, cache)")


def mlp_backward(cache):
    """Backward pass of the MLP.

    Args:
        cache: whatever mlp_forward returned as its second value.

    Returns:
        grads: dict of np.ndarray with exactly these keys, each with the shape
            and dtype of the tensor it differentiates:
            "W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,), "X": (B, D).
    """
    # Walk the diagram right to left: loss head, second linear layer, ReLU,
    # first linear layer.
    # The 1/B from the batch mean enters once, at the logits; every later
    # step inherits it through the chain rule.
    # Don't forget dX: the input gets a gradient too.
    raise NotImplementedError("mlp_backward: return the dict of gradients")
