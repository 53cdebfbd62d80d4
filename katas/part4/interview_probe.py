"""The tensors of part4's "say the shape" prompts, from the reference, for `kata validate`.

The reference's cache holds Z1 and H1; dZ2, dH1 and dZ1 live only inside its
backward pass, so they are recomputed here the way it computes them.
"""
import numpy as np


def tensors(ref, sizes, rng):
    B, D, H, C = sizes["B"], sizes["D"], sizes["H"], sizes["C"]
    X = rng.standard_normal((B, D))
    y = rng.integers(0, C, size=B)
    params = {"W1": rng.standard_normal((D, H)) / np.sqrt(D), "b1": rng.standard_normal(H),
              "W2": rng.standard_normal((H, C)) / np.sqrt(H), "b2": rng.standard_normal(C)}
    loss, cache = ref.mlp_forward(X, y, params)
    grads = ref.mlp_backward(cache)
    Z1, H1 = cache["Z1"], cache["H1"]
    Z2 = H1 @ params["W2"] + params["b2"]
    dZ2 = cache["probs"].copy()
    dZ2[np.arange(B), y] -= 1
    dZ2 /= B
    dH1 = dZ2 @ params["W2"].T
    return {"Z1": Z1, "H1": H1, "Z2": Z2, "loss": loss, "dZ2": dZ2, "dW2": grads["W2"], "db2": grads["b2"],
            "dH1": dH1, "dZ1": dH1 * (Z1 > 0), "dW1": grads["W1"], "db1": grads["b1"], "dX": grads["X"]}
