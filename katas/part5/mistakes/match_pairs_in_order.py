"""gradients_match pairs the two dicts' values by position, zip(manual.values(), auto.values()).

Fine while both dicts list the same keys in the same order. zip stops at the
shorter dict, so a missing last key (here X) is never compared and the answer is
True; and two equal dicts whose keys come in another order are paired wrongly
(W1 against X), so the answer is False.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"fails": ["gradients-match"], "diagnoses": ["match-pairs-in-order"]}

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
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


def _as_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    for m, a in zip(manual.values(), auto.values()):  # MISTAKE: pairs by position, not by key
        m, a = _as_numpy(m), _as_numpy(a)
        if m.shape != a.shape or not np.allclose(m, a, rtol=rtol, atol=atol):
            return False
    return True
