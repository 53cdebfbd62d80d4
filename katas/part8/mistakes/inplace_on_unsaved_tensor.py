"""inplace_breaks_backward modifies x * 2 in place: no backward function saved that tensor.

The version goes from 0 to 1, but MulBackward (by a constant) and SumBackward need
nothing from it, so backward() succeeds and there is no error to report.
"""
import torch

KATA_EXPECT = {"fails": ["inplace-error"], "diagnoses": ["inplace-not-triggered"]}


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
    y = x * 2  # MISTAKE: nothing saves y for the backward pass
    before = y._version
    y.add_(1)
    after = y._version
    try:
        y.sum().backward()
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
