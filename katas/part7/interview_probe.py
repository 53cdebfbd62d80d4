"""The tensors of part7's "say the shape" prompts, from the reference, for `kata validate`."""


def tensors(ref, sizes, rng):
    B, n_in, n_out, C = sizes["B"], sizes["n_in"], sizes["n_out"], sizes["C"]
    layer = ref.Linear(rng.standard_normal((n_in, n_out)), rng.standard_normal(n_out))
    x = rng.standard_normal((B, n_in))
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape) / B
    dx = layer.backward(grad)
    head = ref.SoftmaxCrossEntropy()
    head.forward(rng.standard_normal((B, C)), rng.integers(0, C, size=B))
    return {"Linear input x": x, "grad (into Linear.backward)": grad, "self.dW": layer.dW, "self.db": layer.db,
            "dx (returned by Linear.backward)": dx, "dlogits (SoftmaxCrossEntropy.backward)": head.backward()}
