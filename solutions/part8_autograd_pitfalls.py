"""Reference for part8: three autograd pitfalls, each shown and then fixed.

1. .grad accumulates. backward() adds into a leaf's .grad; it never overwrites it.
   The loss here is L(w) = sum(tanh(x @ w)) with w [d] a leaf and x [n, d] a
   constant, so dL/dw = x^T (1 - tanh(x @ w)^2), shape [d]. After k backward
   passes with no zeroing in between, w.grad holds k times that.

2. In-place ops and the version counter. sigmoid saves its output s for the
   backward pass (ds/dx = s (1 - s)). Every tensor carries a version counter
   (t._version) that every in-place op bumps; autograd records the version of
   each tensor it saves, and backward() raises when the two differ.

3. detach versus no_grad. t.detach() cuts one tensor out of the graph: anything
   later computed from it together with a tensor that requires a gradient is
   recorded again. Under torch.no_grad() nothing at all is recorded.

The grader's own process never imports torch: it computes the expected numbers
in NumPy and reads requires_grad and grad_fn from what these functions return.
"""
import torch


def _loss(w, x):
    """L(w) = sum(tanh(x @ w)): x [n, d] @ w [d] -> [n] -> a 0-d tensor."""
    return torch.tanh(x @ w).sum()


def grad_without_zeroing(w, x, times):
    """w.grad after each of `times` backward passes, never zeroed in between.

    w: leaf tensor [d], requires_grad=True. x: tensor [n, d]. times: int >= 1.
    Returns a list of `times` tensors [d]: the gradient g, then 2g, 3g, ...
    """
    snapshots = []
    for _ in range(times):
        # A new forward pass each time: the first backward() frees the graph's
        # saved tensors (tanh's output), so a second backward() through the same
        # graph would fail unless the first used retain_graph=True.
        _loss(w, x).backward()
        # backward() adds into the same .grad tensor in place, so keep a copy:
        # appending w.grad itself would store one tensor `times` times, and every
        # entry of the list would show the final sum.
        snapshots.append(w.grad.clone())
    return snapshots


def grad_with_zeroing(w, x, times):
    """The same passes, with the gradient cleared before each: `times` copies of g."""
    snapshots = []
    for _ in range(times):
        # None, not zeros: the next backward() then stores a fresh tensor. This is
        # what optimizer.zero_grad() does by default since PyTorch 2.0. (w.grad is
        # None before the first backward, so w.grad.zero_() needs a guard.)
        w.grad = None
        _loss(w, x).backward()
        snapshots.append(w.grad.clone())
    return snapshots


def inplace_breaks_backward(x):
    """Modify a tensor that autograd saved, and catch the error backward() raises.

    x: leaf tensor [m], requires_grad=True.
    Returns (message, version_before, version_after): the RuntimeError's text (None
    if backward raised nothing), and the modified tensor's ._version right after it
    was created and right before backward().
    """
    s = torch.sigmoid(x)  # [m]; SigmoidBackward saves s itself, at version 0
    version_before = s._version
    s.mul_(2)  # in place: the saved s now holds 2·sigmoid(x); the counter goes to 1
    version_after = s._version
    try:
        s.sum().backward()
    except RuntimeError as error:
        # "... modified by an inplace operation: [torch.DoubleTensor [m]], which is
        # output 0 of Sigmoid, is at version 1; expected version 0 instead. ..."
        return str(error), version_before, version_after
    return None, version_before, version_after


def inplace_fixed(x):
    """x.grad of L = sum(2·sigmoid(x)): the same computation, out of place.

    Returns a tensor [m]: 2·s·(1 - s) with s = sigmoid(x).
    """
    s = torch.sigmoid(x)
    doubled = s * 2  # a new tensor; the saved s is untouched, so backward can use it
    doubled.sum().backward()
    return x.grad


def detach_vs_no_grad(x):
    """The product x·x, cut from the graph in two different ways.

    x: leaf tensor [m], requires_grad=True.
    Returns {"detached": x * x.detach(), "no_grad": x * x computed under no_grad}.
    """
    # detach() cuts one factor only. The product still depends on the other x,
    # which requires a gradient, so it is recorded: requires_grad=True,
    # grad_fn=MulBackward0.
    detached = x * x.detach()
    # Inside no_grad nothing is recorded, whatever the inputs require:
    # requires_grad=False, grad_fn=None. Same values, no graph.
    with torch.no_grad():
        not_recorded = x * x
    return {"detached": detached, "no_grad": not_recorded}


def stop_gradient_branch(x):
    """x.grad of L = sum(x * stop_gradient(x)).

    The detached factor is a constant to autograd, so dL/dx = x (not the 2x of x·x).
    """
    loss = (x * x.detach()).sum()
    loss.backward()
    return x.grad
