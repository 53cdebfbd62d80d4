"""One graph reused with retain_graph=True; torch.autograd.grad where .grad is not needed.

Correct: retain_graph keeps the saved tensors alive, so backward() can run on the
same graph again and still adds into w.grad. torch.autograd.grad returns the
gradient without touching .grad, so there is nothing to clear. The in-place op
is two writes into exp's output (version 0 to 2), and the fix modifies a clone.
"""
import numpy as np
import torch

KATA_EXPECT = {"passes": True}


def grad_without_zeroing(w, x, times):
    loss = torch.tanh(x @ w).sum()
    grads = []
    for k in range(times):
        loss.backward(retain_graph=k < times - 1)
        grads.append(w.grad.detach().numpy().copy())  # a NumPy copy, not a view
    return grads


def grad_with_zeroing(w, x, times):
    return [torch.autograd.grad(torch.tanh(x @ w).sum(), w)[0] for _ in range(times)]


def inplace_breaks_backward(x):
    e = torch.exp(x)  # ExpBackward saves its output
    version_before = int(e._version)
    e[0] = 0.0
    e += 1
    version_after = int(e._version)
    try:
        (e * e).sum().backward()
    except RuntimeError as error:
        return str(error), version_before, version_after
    return None, version_before, version_after


def inplace_fixed(x):
    s = torch.sigmoid(x)
    doubled = s.clone()
    doubled.mul_(2)  # the clone is nobody's saved tensor
    doubled.sum().backward()
    return np.asarray(x.grad)


def detach_vs_no_grad(x):
    with torch.inference_mode():
        quiet = x * x
    return {"no_grad": quiet, "detached": x.detach() * x}


def stop_gradient_branch(x):
    (grad,) = torch.autograd.grad((x * x.detach()).sum(), x)
    return grad
