"""The loss as the mean of -(z - torch.logsumexp(z, 1, keepdim=True))[y], gathered by hand.

Correct: torch.logsumexp subtracts the row max and adds it back, so it never
overflows; autograd differentiates through it (its backward is exp(z - lse), the
softmax). gradients_match pairs the tensors by key, never by position.
"""
import numpy as np
import torch

KATA_EXPECT = {"passes": True}

NAMES = ("W1", "b1", "W2", "b2")


def torch_mlp_loss(X, y, params):
    H1 = torch.relu(X @ params["W1"] + params["b1"])
    z = H1 @ params["W2"] + params["b2"]
    log_probs = z - torch.logsumexp(z, 1, keepdim=True)
    return -log_probs[torch.arange(len(y)), y].mean()


def autograd_gradients(X, y, params):
    X_t = torch.tensor(X, requires_grad=True)
    p = {k: torch.tensor(params[k], requires_grad=True) for k in NAMES}
    torch_mlp_loss(X_t, torch.as_tensor(np.asarray(y, dtype=np.int64)), p).backward()
    grads = {k: p[k].grad.numpy() for k in NAMES}
    grads["X"] = X_t.grad.numpy()
    return grads


def gradients_match(manual, auto, rtol=1e-5, atol=1e-8):
    if set(manual) != set(auto):
        return False
    for k, m in manual.items():
        a = np.asarray(auto[k])
        m = np.asarray(m)
        if m.shape != a.shape or not np.allclose(m, a, rtol=rtol, atol=atol):
            return False
    return True
