"""The tensors of part8's "say the shape" prompts, from the reference, for `kata validate`
(which runs this in a separate process: the grader itself never imports torch)."""
import torch


def tensors(ref, sizes, rng):
    n, d, m = sizes["n"], sizes["d"], sizes["m"]
    w = torch.tensor(rng.standard_normal(d), requires_grad=True)
    x = torch.tensor(rng.standard_normal((n, d)))
    grads = ref.grad_without_zeroing(w, x, 2)
    v = torch.tensor(rng.standard_normal(m), requires_grad=True)
    return {"x @ w": x @ w, "sum(tanh(x @ w))": torch.tanh(x @ w).sum(), "w.grad": grads[-1],
            "s = sigmoid(x)": torch.sigmoid(v)}
