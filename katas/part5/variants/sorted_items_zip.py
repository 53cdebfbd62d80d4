"""gradients_match zips the two dicts' items, sorted by key, after comparing the key sets.

Pairing by position is a mistake only when the positions are the dicts' own
insertion orders; sorted by key, the pairs are the right ones in any order.
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
    # zip pairs by position, but over items sorted by key, after the key sets are
    # compared: each pair is one name's two gradients, whatever order the dicts use.
    if sorted(manual) != sorted(auto):
        return False
    for (name, m), (other, a) in zip(sorted(manual.items()), sorted(auto.items())):
        assert name == other
        m, a = np.asarray(m), np.asarray(a)
        if m.shape != a.shape or not np.allclose(m, a, rtol=rtol, atol=atol):
            return False
    return True
