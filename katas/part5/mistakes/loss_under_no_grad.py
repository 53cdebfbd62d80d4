"""torch_mlp_loss runs its forward pass under torch.no_grad(), so the loss it returns is cut off from the graph.

The number is right, but no_grad records nothing: the loss has no grad_fn, and
backward() on it raises "element 0 of tensors does not require grad".
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["loss-tensor", "loss-value", "gradients"], "diagnoses": ["loss-detached"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    with torch.no_grad():  # MISTAKE: nothing inside is recorded for backward()
        Z1 = X @ params["W1"] + params["b1"]
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


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    if set(manual) != set(auto):
        return False
    for name in manual:
        m, a = np.asarray(manual[name]), np.asarray(auto[name])
        if m.shape != a.shape or not np.allclose(m, a, rtol=rtol, atol=atol):
            return False
    return True
