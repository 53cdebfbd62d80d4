"""grad_with_zeroing never clears the gradient: it is the same loop as without zeroing."""
import torch

KATA_EXPECT = {"fails": ["zeroing"], "diagnoses": ["forgot-zero-grad"]}


def grad_without_zeroing(w, x, times):
    grads = []
    for _ in range(times):
        torch.tanh(x @ w).sum().backward()
        grads.append(w.grad.clone())
    return grads


def grad_with_zeroing(w, x, times):
    grads = []
    for _ in range(times):
        torch.tanh(x @ w).sum().backward()  # MISTAKE: nothing clears w.grad first
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
    (s * 2).sum().backward()
    return x.grad


def detach_vs_no_grad(x):
    detached = x * x.detach()
    with torch.no_grad():
        quiet = x * x
    return {"detached": detached, "no_grad": quiet}


def stop_gradient_branch(x):
    (x * x.detach()).sum().backward()
    return x.grad
