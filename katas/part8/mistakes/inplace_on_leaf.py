"""inplace_breaks_backward modifies the leaf x itself.

PyTorch refuses that at once with a different error ("a leaf Variable that requires
grad is being used in an in-place operation"); the version counter never comes into it.
"""
import torch

KATA_EXPECT = {"fails": ["inplace-error", "version-counter"], "diagnoses": ["inplace-on-leaf"]}


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
    before = x._version
    try:
        x.mul_(2)  # MISTAKE: x is a leaf that requires grad
        after = x._version
        torch.sigmoid(x).sum().backward()
    except RuntimeError as error:
        return str(error), before, x._version
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
