"""autograd_gradients reuses module-level leaf tensors and never zeroes .grad, so gradients accumulate across calls.

The first call for a given shape and dtype is right; a second call returns the
sum of both calls' gradients (twice the answer for the same inputs), because
backward() adds into .grad until it is zeroed.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["batch-mean", "repeatable"], "diagnoses": ["grads-accumulate"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")

_leaves = {}  # MISTAKE: leaves shared between calls


def torch_mlp_loss(X, y, params):
    Z1 = X @ params["W1"] + params["b1"]
    H1 = F.relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    return F.cross_entropy(Z2, y)


def _leaf(name, array):
    array = np.ascontiguousarray(array)
    key = (name, array.shape, array.dtype.str)
    if key not in _leaves:
        _leaves[key] = torch.tensor(array, requires_grad=True)
    leaf = _leaves[key]
    with torch.no_grad():
        leaf.copy_(torch.from_numpy(array))
    return leaf  # MISTAKE: leaf.grad still holds the previous call's gradient


def autograd_gradients(X, y, params):
    X_t = _leaf("X", X)
    params_t = {name: _leaf(name, params[name]) for name in PARAM_NAMES}
    y_t = torch.tensor(np.ascontiguousarray(y), dtype=torch.int64)
    loss = torch_mlp_loss(X_t, y_t, params_t)
    loss.backward()  # adds into .grad
    grads = {name: params_t[name].grad.clone().numpy() for name in PARAM_NAMES}
    grads["X"] = X_t.grad.clone().numpy()
    return grads


def _as_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    if set(manual) != set(auto):
        return False
    for name in manual:
        m = _as_numpy(manual[name])
        a = _as_numpy(auto[name])
        if m.shape != a.shape:
            return False
        if not np.allclose(m, a, rtol=rtol, atol=atol):
            return False
    return True
