"""The loss is -log(softmax(logits) + 1e-12), the epsilon "for safety".

In float64 the epsilon moves the loss by about 1e-12 / p per example: far below
six printed digits ("1.64865, expected 1.64865"), far above float64 rounding.
In float32 it is lost in the rounding and changes nothing. F.cross_entropy is
already exact and stable.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["loss-value"], "diagnoses": ["epsilon-in-log"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    Z1 = X @ params["W1"] + params["b1"]
    H1 = F.relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    probs = torch.softmax(Z2, dim=1)
    # MISTAKE: the epsilon shifts every example's loss by about 1e-12 / p
    return -torch.log(probs[torch.arange(len(y)), y] + 1e-12).mean()


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
