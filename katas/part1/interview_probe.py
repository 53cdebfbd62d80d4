"""The tensors of part1's "say the shape" prompts, from the reference, for `kata validate`.

`tensors(ref, sizes, rng)` gets the reference module, one [[sizes]] set of
interview.toml and a seeded generator, and returns every tensor the prompts name
(what the reference returns, and the few intermediates it computes inside).
"""
import numpy as np


def tensors(ref, sizes, rng):
    B, C = sizes["B"], sizes["C"]
    logits = rng.standard_normal((B, C))
    y = rng.integers(0, C, size=B)
    loss, probs = ref.softmax_cross_entropy(logits, y)
    row_max = logits.max(axis=1, keepdims=True)
    shifted = logits - row_max
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return {
        "logits": logits, "y": y, "row max (keepdims)": row_max, "log_probs": log_probs, "probs": probs,
        "log_probs[arange(B), y]": log_probs[np.arange(B), y], "loss": loss,
        "dlogits": ref.softmax_cross_entropy_backward(probs, y),
    }
