"""Leaves built with torch.tensor(X, requires_grad=True) directly, y via torch.from_numpy, and a symmetric element loop in gradients_match.

Correct: torch.tensor copies its input, and y is only read, so sharing its
memory with from_numpy is harmless. The tolerance test scales rtol by the
larger of the two magnitudes, a symmetric form of allclose's test.
"""
import numpy as np
import torch
import torch.nn.functional as F

KATA_EXPECT = {"passes": True}


def torch_mlp_loss(X, y, params):
    Z1 = torch.matmul(X, params["W1"]) + params["b1"]
    H1 = torch.where(Z1 > 0, Z1, torch.zeros_like(Z1))
    Z2 = torch.matmul(H1, params["W2"]) + params["b2"]
    return F.cross_entropy(Z2, y)


def autograd_gradients(X, y, params):
    X_t = torch.tensor(X, requires_grad=True)
    params_t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    loss = torch_mlp_loss(X_t, torch.from_numpy(y), params_t)
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in params_t.items()}
    grads["X"] = X_t.grad.numpy()
    return grads


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    if set(manual) != set(auto):
        return False
    for k in manual:
        m = np.asarray(manual[k], dtype=np.float64)
        a = np.asarray(auto[k], dtype=np.float64)
        if m.shape != a.shape:
            return False
        for mv, av in zip(m.ravel(), a.ravel()):
            if not abs(mv - av) <= atol + rtol * max(abs(mv), abs(av)):
                return False
    return True
