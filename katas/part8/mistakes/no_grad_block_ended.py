"""detach_vs_no_grad computes the "no_grad" product after the with-block has ended.

Only the ops inside the block go unrecorded, so the product has grad_fn MulBackward0.
"""
import torch

KATA_EXPECT = {"fails": ["detach-vs-no-grad"], "diagnoses": ["detach-confused-with-no-grad"]}


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
    (s * 2).sum().backward()
    return x.grad


def detach_vs_no_grad(x):
    detached = x * x.detach()
    with torch.no_grad():
        values = x.detach()
    quiet = x * values  # MISTAKE: outside the block, so recorded
    return {"detached": detached, "no_grad": quiet}


def stop_gradient_branch(x):
    (x * x.detach()).sum().backward()
    return x.grad
