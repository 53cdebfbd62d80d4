"""The tensors of part6's "say the shape" prompts, from the reference, for `kata validate`.

The checked x is W1 [D, H]; a cheap function of it stands in for the MLP's loss,
which would cost a full forward pass per entry at the interview's sizes.
"""
import numpy as np


def tensors(ref, sizes, rng):
    W1 = rng.standard_normal((sizes["D"], sizes["H"]))

    def f(w):
        return float(w.flat[0] ** 2 + w.flat[-1])

    grad = ref.numerical_gradient(f, W1)
    exact = np.zeros_like(W1)
    exact.flat[0], exact.flat[-1] = 2 * W1.flat[0], 1.0
    return {"x (checking the MLP's W1)": W1, "f(x)": f(W1), "grad (checking the MLP's W1)": grad,
            "relative_error(a, b)": ref.relative_error(grad, exact)}
