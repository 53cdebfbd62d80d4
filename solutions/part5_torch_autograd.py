"""Reference solution for part5: the same MLP with PyTorch autograd, and a check.

The network and the loss are identical to part4:

    X [B, D] -> Z1 = X @ W1 + b1 [B, H] -> H1 = relu(Z1) [B, H]
             -> Z2 = H1 @ W2 + b2 [B, C] (raw logits) -> mean cross-entropy (0-d)

How autograd gets the gradients: PyTorch is define-by-run. Every operation on a
tensor that requires a gradient records a node in a graph while the Python code
runs; there is no separate graph-building step. Tensors created directly by the
user with requires_grad=True are the graph's leaves. loss.backward() walks the
recorded graph from the loss back to the leaves (reverse-mode differentiation)
and adds each leaf's gradient into its .grad attribute.
"""

import numpy as np
import torch
import torch.nn.functional as F

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    """Mean cross-entropy loss of the two-layer MLP, built from torch operations.

    Inputs:
    - X: torch.Tensor of shape (B, D), float32 or float64.
    - y: torch.Tensor of shape (B,), int64; class indices in [0, C).
    - params: dict of torch.Tensor: "W1" (D, H), "b1" (H,), "W2" (H, C),
      "b2" (C,), same float dtype as X.

    Returns:
    - loss: 0-d torch.Tensor of X's dtype, connected to the autograd graph of
      whichever inputs require gradients.
    """
    Z1 = X @ params["W1"] + params["b1"]  # (B, H)
    H1 = F.relu(Z1)  # (B, H); gradient 0 at exactly Z1 == 0, like part3
    Z2 = H1 @ params["W2"] + params["b2"]  # (B, C) raw logits

    # F.cross_entropy applies log_softmax itself (stably) and then the negative
    # log-likelihood, so it must receive the raw logits. Feeding it
    # probabilities raises no error: they would just be treated as logits and
    # softmaxed a second time, which flattens the loss towards log(C) and
    # shrinks every gradient. The default reduction="mean" divides by B, which
    # matches the 1/B of the manual version.
    return F.cross_entropy(Z2, y)


def _fresh_leaf(array):
    """Copy a NumPy array into a new leaf tensor that requires a gradient.

    torch.tensor always copies. torch.from_numpy would instead share memory with
    the caller's array, so any in-place change on the tensor side would leak
    back into the caller's data. np.ascontiguousarray only matters for unusual
    inputs such as reversed views (negative strides), which torch cannot wrap.
    """
    return torch.tensor(np.ascontiguousarray(array), requires_grad=True)


def autograd_gradients(X, y, params):
    """Gradients of the MLP loss with respect to the parameters and the input.

    Inputs:
    - X: np.ndarray of shape (B, D), float32 or float64.
    - y: np.ndarray of shape (B,), integer dtype; class indices.
    - params: dict of np.ndarray: "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,),
      same float dtype as X.

    Returns:
    - grads: dict of np.ndarray with keys "W1", "b1", "W2", "b2", "X", each of
      the shape and dtype of the corresponding input.
    """
    # New leaves on every call. .grad accumulates (adds) across backward()
    # calls on the same tensor until it is zeroed; building fresh leaves each
    # time means every call starts from an empty .grad, so calling this function
    # twice returns the same answer instead of double the gradient.
    X_t = _fresh_leaf(X)  # requires_grad on X too, so that we also get dX
    params_t = {name: _fresh_leaf(params[name]) for name in PARAM_NAMES}
    # Class indices must be int64 for F.cross_entropy; they need no gradient.
    y_t = torch.tensor(np.ascontiguousarray(y), dtype=torch.int64)

    loss = torch_mlp_loss(X_t, y_t, params_t)
    loss.backward()  # fills .grad on every leaf that requires a gradient

    grads = {name: params_t[name].grad.numpy() for name in PARAM_NAMES}
    grads["X"] = X_t.grad.numpy()
    # The tensors above are local to this call, so handing out NumPy views of
    # their .grad storage shares memory with nothing the caller owns.
    return grads


def _as_numpy(value):
    """Return value as a NumPy array, accepting torch tensors as well."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    """Compare two dicts of gradients, element by element.

    Inputs:
    - manual: dict mapping a name to an np.ndarray (torch tensors are accepted
      too); e.g. the output of part4's mlp_backward.
    - auto: dict of the same form; e.g. the output of autograd_gradients. It is
      the reference side of the tolerance test.
    - rtol, atol: tolerances; an element passes when
      |manual - auto| <= atol + rtol * |auto|.

    Returns:
    - A Python bool: True only if both dicts have the same keys, every pair of
      arrays has exactly the same shape, and every element passes the test.
    """
    if set(manual) != set(auto):
        return False
    for name in manual:
        m = _as_numpy(manual[name])
        a = _as_numpy(auto[name])
        # allclose broadcasts, so a (1, n) array would pass against (n,) and a
        # wrongly shaped gradient would look correct. Compare shapes first.
        if m.shape != a.shape:
            return False
        # A NaN never matches (equal_nan defaults to False).
        if not np.allclose(m, a, rtol=rtol, atol=atol):
            return False
    return True
