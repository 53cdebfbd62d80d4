"""Part 5: let PyTorch autograd compute the gradients, and check yours.

Interview prompt: "Now write the same network in PyTorch, get every gradient
from autograd, including the gradient with respect to the input X, and show
me that they agree with the ones you derived by hand. How does autograd know
what to differentiate, and what would go wrong if I called your function
twice?"

Network (identical to part 4):

    X [B, D] --W1 [D, H], b1 [H]--> Z1 [B, H] --ReLU--> H1 [B, H]
             --W2 [H, C], b2 [C]--> Z2 [B, C] (logits) --cross-entropy, mean--> loss

Rules: do not modify the caller's arrays; keep the input float dtype.
"""

import numpy as np
import torch
import torch.nn.functional as F


def torch_mlp_loss(X, y, params):
    """Mean cross-entropy loss of the MLP, using torch operations only.

    Args:
        X: torch.Tensor of shape (B, D), float32 or float64.
        y: torch.Tensor of shape (B,), int64. Class indices in [0, C).
        params: dict of torch.Tensor, all with X's dtype:
            "W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,).

    Returns:
        loss: 0-d torch.Tensor of X's dtype; the mean loss over the batch,
            still attached to the autograd graph.
    """
    # Same forward pass as part 4, written with torch operations.
    # Read the documentation of F.cross_entropy: what kind of input does it
    # expect, and what reduction does it use by default?
    raise NotImplementedError("torch_mlp_loss: return the 0-d mean loss tensor")


def autograd_gradients(X, y, params):
    """Gradients of the MLP loss from autograd, returned as NumPy arrays.

    Args:
        X: np.ndarray of shape (B, D), float32 or float64.
        y: np.ndarray of shape (B,), int64. Class indices.
        params: dict of np.ndarray, all with X's dtype:
            "W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,).

    Returns:
        grads: dict of np.ndarray with keys "W1", "b1", "W2", "b2", "X", each
            with the shape and dtype of the corresponding input.
    """
    # Turn the arrays into tensors that autograd will track; X needs a
    # gradient too.
    # Calling this function twice must give the same result both times.
    # Check whether your conversion copies the data or shares the caller's
    # memory.
    raise NotImplementedError("autograd_gradients: return a dict of NumPy gradients")


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    """Check that two dicts of gradients agree.

    Args:
        manual: dict mapping a name (e.g. "W1") to an np.ndarray; for example
            the output of your part 4 mlp_backward.
        auto: dict of the same form; for example the output of
            autograd_gradients.
        rtol: float, relative tolerance.
        atol: float, absolute tolerance.

    Returns:
        A Python bool: True if and only if both dicts have the same keys,
        each pair of arrays has the same shape, and every element satisfies
        np.allclose(manual[k], auto[k], rtol=rtol, atol=atol).
    """
    # Compare the key sets first.
    # np.allclose broadcasts: what does it say about a (1, n) array compared
    # with an (n,) one?
    # Return a plain Python bool, not a NumPy bool.
    raise NotImplementedError("gradients_match: return True or False")
