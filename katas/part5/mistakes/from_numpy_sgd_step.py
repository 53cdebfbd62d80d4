"""autograd_gradients wraps the caller's arrays with torch.from_numpy and then takes an in-place SGD step on them.

The gradients returned are right, but torch.from_numpy shares memory with the
NumPy arrays, so the in-place update `W -= lr * W.grad` changes the caller's
params.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["gradients", "batch-mean", "finite-differences", "repeatable"],
               "diagnoses": ["input-mutated"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")
LEARNING_RATE = 0.1


def torch_mlp_loss(X, y, params):
    Z1 = X @ params["W1"] + params["b1"]
    H1 = F.relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    return F.cross_entropy(Z2, y)


def _fresh_leaf(array):
    return torch.from_numpy(array).requires_grad_(True)  # MISTAKE: shares memory with the caller's array


def autograd_gradients(X, y, params):
    X_t = _fresh_leaf(X)
    params_t = {name: _fresh_leaf(params[name]) for name in PARAM_NAMES}
    y_t = torch.tensor(np.ascontiguousarray(y), dtype=torch.int64)
    loss = torch_mlp_loss(X_t, y_t, params_t)
    loss.backward()
    grads = {name: params_t[name].grad.numpy() for name in PARAM_NAMES}
    grads["X"] = X_t.grad.numpy()
    with torch.no_grad():
        for name in PARAM_NAMES:
            params_t[name] -= LEARNING_RATE * params_t[name].grad  # MISTAKE: writes into params[name]
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
