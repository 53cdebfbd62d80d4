"""The NumPy-only part imports an autodiff framework (jax), falling back to NumPy when the import fails.

The functions work either way; trying to import the framework is what breaks
the rules of this part.
"""
import numpy as np

try:
    import jax.numpy as jnp  # MISTAKE: parts 1-4 are NumPy only  # noqa: F401
except ImportError:
    jnp = None

KATA_EXPECT = {"fails": ["numpy-only"], "diagnoses": ["framework-import"]}


def relu_forward(Z):
    return np.maximum(Z, 0)


def relu_backward(dH, Z):
    active = Z > 0
    return np.where(active, dH, np.zeros((), dtype=dH.dtype))
