"""inplace_fixed doubles s through s.data, which the version counter does not see.

backward() raises nothing, but sigmoid's backward reads the doubled s and returns
1 · 2s · (1 - 2s) instead of 2 · s · (1 - s): a silently wrong gradient.
"""
import torch

KATA_EXPECT = {"fails": ["inplace-fix"], "diagnoses": ["inplace-via-data"]}


def grad_without_zeroing(w, x, times):
    grads = []
    for _ in range(times):
        torch.tanh(x @ w).sum().backward()
        grads.append(w.grad.clone())
    return grads


def grad_with_zeroing(w, x, times):
    grads = []
    for _ in range(times):
        w.grad = None
        torch.tanh(x @ w).sum().backward()
        grads.append(w.grad.clone())
    return grads


def inplace_breaks_backward(x):
    s = torch.sigmoid(x)
    before = s._version
    s.mul_(2)
    after = s._version
    try:
        s.sum().backward()
    except RuntimeError as error:
        return str(error), before, after
    return None, before, after


def inplace_fixed(x):
    s = torch.sigmoid(x)
    s.data.mul_(2)  # MISTAKE: bypasses the version counter; the saved s is now wrong
    s.sum().backward()
    return x.grad


def detach_vs_no_grad(x):
    detached = x * x.detach()
    with torch.no_grad():
        quiet = x * x
    return {"detached": detached, "no_grad": quiet}


def stop_gradient_branch(x):
    (x * x.detach()).sum().backward()
    return x.grad
