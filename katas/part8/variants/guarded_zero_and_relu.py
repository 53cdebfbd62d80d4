"""w.grad.zero_() guarded for the first pass; relu's saved output broken by an index write.

Correct: .zero_() is fine once .grad exists, and the snapshots are copies, so
reusing the one .grad buffer does no harm. relu saves its output, so writing
into it breaks backward like sigmoid's. The no_grad product comes from a helper
decorated with @torch.no_grad().
"""
import torch

KATA_EXPECT = {"passes": True}


def grad_without_zeroing(w, x, times):
    out = ()
    for _ in range(times):
        loss = torch.tanh(x @ w).sum()
        torch.autograd.backward(loss, inputs=[w])
        out += (w.grad.detach().clone(),)
    return out


def grad_with_zeroing(w, x, times):
    out = []
    for _ in range(times):
        if w.grad is not None:
            w.grad.zero_()
        torch.tanh(x @ w).sum().backward()
        out.append(w.grad.clone())
    return out


def inplace_breaks_backward(x):
    r = torch.relu(x + 0.5)
    v0 = r._version
    r[0] = 1.0
    v1 = r._version
    message = None
    try:
        r.sum().backward()
    except RuntimeError as error:
        message = f"{error}"
    return (message, v0, v1)


def inplace_fixed(x):
    s = torch.sigmoid(x)
    loss = (2 * s).sum()
    loss.backward()
    return x.grad.numpy()


@torch.no_grad()
def _square_unrecorded(t):
    return t * t


def detach_vs_no_grad(x):
    return {"detached": x * x.detach().clone(), "no_grad": _square_unrecorded(x)}


def stop_gradient_branch(x):
    loss = torch.sum(x.detach() * x)
    loss.backward()
    return x.grad.numpy()
