"""torch_mlp_loss adds b1 as a column, b1[:, None] of shape (H, 1).

torch broadcasts as NumPy does, from the last axis: the H entries meet the B
rows of X @ W1, and torch raises "The size of tensor a (B) must match the size
of tensor b (H)". The report reads the sizes from the exception.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["loss-tensor", "loss-value", "gradients"], "diagnoses": ["shape-error"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    Z1 = X @ params["W1"] + params["b1"][:, None]  # MISTAKE: a column meets the batch axis
    H1 = F.relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    return F.cross_entropy(Z2, y)


def _fresh_leaf(array):
    return torch.tensor(np.ascontiguousarray(array), requires_grad=True)


def autograd_gradients(X, y, params):
    X_t = _fresh_leaf(X)
    params_t = {name: _fresh_leaf(params[name]) for name in PARAM_NAMES}
    y_t = torch.tensor(np.ascontiguousarray(y), dtype=torch.int64)
    loss = torch_mlp_loss(X_t, y_t, params_t)
    loss.backward()
    grads = {name: params_t[name].grad.numpy() for name in PARAM_NAMES}
    grads["X"] = X_t.grad.numpy()
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
