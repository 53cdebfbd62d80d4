"""The tensors of part5's "say the shape" prompts, from the reference, for `kata validate`
(which runs this in a separate process: the grader itself never imports torch)."""
import numpy as np
import torch


def tensors(ref, sizes, rng):
    B, D, H, C = sizes["B"], sizes["D"], sizes["H"], sizes["C"]
    leaf = {name: torch.tensor(value, requires_grad=True) for name, value in {
        "X": rng.standard_normal((B, D)), "W1": rng.standard_normal((D, H)) / np.sqrt(D),
        "b1": rng.standard_normal(H), "W2": rng.standard_normal((H, C)) / np.sqrt(H),
        "b2": rng.standard_normal(C)}.items()}
    y = torch.tensor(rng.integers(0, C, size=B))
    params = {k: leaf[k] for k in ("W1", "b1", "W2", "b2")}
    loss = ref.torch_mlp_loss(leaf["X"], y, params)
    loss.backward()
    logits = torch.relu(leaf["X"] @ leaf["W1"] + leaf["b1"]) @ leaf["W2"] + leaf["b2"]
    out = {"y": y, "logits": logits, "loss": loss}
    out.update({f"{name}.grad": leaf[name].grad for name in leaf})
    return out
