"""The tensors of part2's "say the shape" prompts, from the reference, for `kata validate`."""


def tensors(ref, sizes, rng):
    B, n_in, n_out = sizes["B"], sizes["n_in"], sizes["n_out"]
    A = rng.standard_normal((B, n_in))
    W = rng.standard_normal((n_in, n_out))
    b = rng.standard_normal(n_out)
    Z = ref.linear_forward(A, W, b)
    dZ = rng.standard_normal(Z.shape) / B
    dA, dW, db = ref.linear_backward(dZ, A, W)
    return {"A": A, "W": W, "b": b, "Z": Z, "dZ": dZ, "dA": dA, "dW": dW, "db": db}
