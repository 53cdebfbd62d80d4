"""ReLU backward with the mask Z >= 0, i.e. gradient 1 at exactly Z == 0 (like torch.clamp(min=0)).

Correct: any subgradient in [0, 1] is valid at the kink. The forward pass uses
np.clip.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


def relu_forward(Z):
    return np.clip(Z, 0, None)


def relu_backward(dH, Z):
    return dH * (Z >= 0)
