"""X is not made a leaf that requires a gradient (grads["X"] is None), and the loss is summed (reduction="sum")."""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"diagnoses": ["no-x-grad", "summed-loss", "missing-1-over-B"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    Z1 = X @ params["W1"] + params["b1"]
    H1 = F.relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    return F.cross_entropy(Z2, y, reduction="sum")  # MISTAKE: the loss is a mean over the batch


def _fresh_leaf(array):
    return torch.tensor(np.ascontiguousarray(array), requires_grad=True)


def autograd_gradients(X, y, params):
    X_t = torch.tensor(np.ascontiguousarray(X))  # MISTAKE: no requires_grad=True
    params_t = {name: _fresh_leaf(params[name]) for name in PARAM_NAMES}
    y_t = torch.tensor(np.ascontiguousarray(y), dtype=torch.int64)
    loss = torch_mlp_loss(X_t, y_t, params_t)
    loss.backward()
    grads = {name: params_t[name].grad.numpy() for name in PARAM_NAMES}
    grads["X"] = X_t.grad  # None: X never required a gradient
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
