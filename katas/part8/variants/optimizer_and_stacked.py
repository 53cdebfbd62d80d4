"""optimizer.zero_grad() inside the loop, stacked results, set_grad_enabled(False).

Correct: zero_grad() at the top of every pass sets w.grad to None (the default
since PyTorch 2.0). A stacked [times, d] tensor holds the same gradients as a
list. torch.set_grad_enabled(False) records nothing, like no_grad. The versions
are NumPy integers; the message is error.args[0].
"""
import numpy as np
import torch

KATA_EXPECT = {"passes": True}


def loss_of(w, x):
    return torch.tanh(torch.matmul(x, w)).sum()


def grad_without_zeroing(w, x, times):
    history = []
    for _ in range(times):
        loss_of(w, x).backward()
        history.append(w.grad.clone())
    return torch.stack(history)


def grad_with_zeroing(w, x, times):
    optimizer = torch.optim.SGD([w], lr=0.01)
    history = []
    for _ in range(times):
        optimizer.zero_grad()
        loss_of(w, x).backward()
        history.append(w.grad.numpy().copy())
    return tuple(history)


def inplace_breaks_backward(x):
    t = x.tanh()  # TanhBackward saves its output
    before = np.int64(t._version)
    t.add_(1)
    after = np.int64(t._version)
    try:
        t.mean().backward()
        message = None
    except RuntimeError as error:
        message = error.args[0]
    return message, before, after


def inplace_fixed(x):
    torch.sigmoid(x).mul(2).sum().backward()
    return x.grad


def detach_vs_no_grad(x):
    detached = torch.mul(x, x.detach())
    with torch.set_grad_enabled(False):
        quiet = torch.mul(x, x)
    return dict(detached=detached, no_grad=quiet)


def stop_gradient_branch(x):
    constant = x.detach().clone()
    torch.dot(x, constant).backward()
    return x.grad.clone()
