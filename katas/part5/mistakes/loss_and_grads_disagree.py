"""torch_mlp_loss forgets the ReLU while autograd_gradients runs its own, correct copy of the forward pass.

The gradients match the reference, but they are not the gradients of the loss
function the learner wrote: two copies of the forward pass drifted apart. The
finite-difference check sees this from the learner's own code.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["loss-value", "finite-differences"], "diagnoses": ["forward-copies-differ"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    Z1 = X @ params["W1"] + params["b1"]
    Z2 = Z1 @ params["W2"] + params["b2"]  # MISTAKE: the ReLU is missing here
    return F.cross_entropy(Z2, y)


def _fresh_leaf(array):
    return torch.tensor(np.ascontiguousarray(array), requires_grad=True)


def autograd_gradients(X, y, params):
    X_t = _fresh_leaf(X)
    params_t = {name: _fresh_leaf(params[name]) for name in PARAM_NAMES}
    y_t = torch.tensor(np.ascontiguousarray(y), dtype=torch.int64)
    # A second copy of the forward pass, which does have the ReLU.
    H1 = F.relu(X_t @ params_t["W1"] + params_t["b1"])
    loss = F.cross_entropy(H1 @ params_t["W2"] + params_t["b2"], y_t)
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
