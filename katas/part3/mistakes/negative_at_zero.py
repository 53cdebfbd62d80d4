"""relu_backward passes -dH at exactly Z == 0, which is not a subgradient of ReLU.

Off the kink everything is right; at Z == 0 any c*dH with c in [0, 1] is
acceptable, but c = -1 is not.
"""
import numpy as np

KATA_EXPECT = {"fails": ["zero-convention"], "diagnoses": ["relu-zero-not-subgradient"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    zero = np.zeros((), dtype=dH.dtype)
    # MISTAKE: a "sign(Z)"-style derivative that gives -1 at the kink
    return np.where(Z > 0, dH, np.where(Z == 0, -dH, zero))
