"""Leaf tensors cached between calls, but with .grad reset to None before every backward.

Correct: reusing leaves is harmless once the accumulated gradient is cleared,
and the new values are copied in without touching the caller's arrays. The
check returns a NumPy bool.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"passes": True}

NAMES = ("W1", "b1", "W2", "b2", "X")
_leaves = {}


def torch_mlp_loss(X, y, params):
    Z1 = torch.addmm(params["b1"], X, params["W1"])
    Z2 = torch.addmm(params["b2"], F.relu(Z1), params["W2"])
    return F.cross_entropy(Z2, y, reduction="mean")


def _leaf(name, array):
    key = (name, array.shape, str(array.dtype))
    if key not in _leaves:
        _leaves[key] = torch.zeros(array.shape, dtype=torch.from_numpy(array[:0]).dtype, requires_grad=True)
    leaf = _leaves[key]
    with torch.no_grad():
        leaf.copy_(torch.from_numpy(np.array(array)))
    leaf.grad = None  # the step that makes reuse safe
    return leaf


def autograd_gradients(X, y, params):
    leaves = {k: _leaf(k, X if k == "X" else params[k]) for k in NAMES}
    loss = torch_mlp_loss(leaves["X"], torch.tensor(y, dtype=torch.long), leaves)
    loss.backward()
    return {k: leaves[k].grad.numpy().copy() for k in NAMES}


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    if set(manual) != set(auto):
        return np.bool_(False)
    ok = True
    for k in manual:
        m, a = np.asarray(manual[k]), np.asarray(auto[k])
        ok = ok and m.shape == a.shape and bool(np.all(np.abs(m - a) <= atol + rtol * np.abs(a)))
    return np.bool_(ok)
