"""Part 8: autograd pitfalls, each shown and then fixed.

Interview follow-ups: "What happens if you call backward() twice without
zero_grad()? Where do in-place operations break autograd, and how does PyTorch
notice? What is the difference between .detach() and torch.no_grad()?"
Answer each one with a few lines of code instead of words.

Every argument is a torch tensor of dtype float64. A leaf "with
requires_grad=True" is one the caller built for you: call backward() on losses
computed from it and read its .grad. A gradient may be returned as a tensor or
as a NumPy array, with the shape and dtype of its leaf.
"""

import torch


def grad_without_zeroing(w, x, times):
    """Run `times` backward passes of L(w) = sum(tanh(x @ w)) without ever zeroing.

    Args:
        w: leaf tensor of shape (d,), requires_grad=True.
        x: tensor of shape (n, d); a constant.
        times: int >= 1, the number of backward passes.

    Returns:
        A list of `times` gradients of shape (d,): w.grad right after each
        backward pass (the first is the true gradient g).
    """
    # What does backward() do to a .grad that already holds something?
    # Can backward() run twice on the same graph?
    # Is w.grad a new tensor after each pass, or the same one changed in place?
    raise NotImplementedError("grad_without_zeroing: return w.grad after each pass")


def grad_with_zeroing(w, x, times):
    """The same `times` passes, with the gradient cleared before each one.

    Args and Returns: as grad_without_zeroing; every entry should now be g.
    """
    # What is w.grad before the very first backward()?
    raise NotImplementedError("grad_with_zeroing: return w.grad after each pass")


def inplace_breaks_backward(x):
    """Make backward() fail by modifying a saved tensor in place, and report it.

    Compute a tensor from x with an op that saves its output for the backward
    pass, modify that tensor in place, then call backward() on a loss computed
    from it and catch the RuntimeError.

    Args:
        x: leaf tensor of shape (m,), requires_grad=True.

    Returns:
        (message, version_before, version_after):
        message: str(error) of the RuntimeError backward() raised, or None if
            it raised nothing.
        version_before: int, the modified tensor's ._version right after it
            was created.
        version_after: int, its ._version right after the in-place op(s).
    """
    # Which ops save their output for backward, and which save nothing?
    # What happens to an in-place op on the leaf x itself?
    raise NotImplementedError("inplace_breaks_backward: return (message, version_before, version_after)")


def inplace_fixed(x):
    """The gradient of L = sum(2 * sigmoid(x)), with the doubling done safely.

    The broken version: s = torch.sigmoid(x); s.mul_(2); s.sum().backward().
    Compute the same L so that backward() works, and return the gradient.

    Args:
        x: leaf tensor of shape (m,), requires_grad=True.

    Returns:
        x.grad, shape (m,).
    """
    # Leave the tensor that sigmoid saved untouched.
    raise NotImplementedError("inplace_fixed: return x.grad")


def detach_vs_no_grad(x):
    """The product x * x, cut from the graph in two different ways.

    Args:
        x: leaf tensor of shape (m,), requires_grad=True.

    Returns:
        dict with two tensors of shape (m,), both equal to x * x in value:
        "detached": x times x.detach(), computed normally;
        "no_grad": x * x, computed inside `with torch.no_grad():`.
        Return the tensors themselves: the grader reads their requires_grad
        and grad_fn.
    """
    # Which of the two still has a grad_fn, and why?
    raise NotImplementedError("detach_vs_no_grad: return {'detached': ..., 'no_grad': ...}")


def stop_gradient_branch(x):
    """The gradient of L = sum(x * stop_gradient(x)), where stop_gradient is detach().

    Args:
        x: leaf tensor of shape (m,), requires_grad=True.

    Returns:
        x.grad, shape (m,).
    """
    # To autograd, the detached factor is a constant.
    raise NotImplementedError("stop_gradient_branch: return x.grad")
