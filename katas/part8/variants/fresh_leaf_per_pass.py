"""A fresh leaf per pass for the zeroed version; the fix doubles a clone with +=.

Correct: a new leaf starts with .grad = None, so nothing accumulates, and its
gradient is the gradient of the same loss. `doubled += doubled` is in place, but
on a clone that no backward function saved. The in-place op that breaks
backward is pow_ on sigmoid's output.
"""
import torch

KATA_EXPECT = {"passes": True}


def grad_without_zeroing(w, x, times):
    seen = []
    for _ in range(times):
        torch.tanh(x @ w).sum().backward()
        seen.append(w.grad.clone().numpy())
    return seen


def grad_with_zeroing(w, x, times):
    seen = []
    for _ in range(times):
        leaf = w.detach().clone().requires_grad_(True)
        torch.tanh(x @ leaf).sum().backward()
        seen.append(leaf.grad)
    return seen


def inplace_breaks_backward(x):
    s = x.sigmoid()
    version_before = s._version
    s.pow_(2)
    version_after = s._version
    try:
        s.sum().backward()
    except RuntimeError as error:
        return str(error), version_before, version_after
    return None, version_before, version_after


def inplace_fixed(x):
    doubled = torch.sigmoid(x).clone()
    doubled += doubled
    doubled.sum().backward()
    return x.grad


def detach_vs_no_grad(x):
    results = {}
    results["detached"] = x * x.detach()
    with torch.no_grad():
        results["no_grad"] = x.pow(2)
    return results


def stop_gradient_branch(x):
    sg = x.detach()
    (sg * x).sum().backward()
    return x.grad.detach()
