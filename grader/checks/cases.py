"""Test inputs the learner never sees.

Sizes are distinct and none is 1, so a transposed result fails on shape. MLP
inputs sit on a coarse binary grid: every pre-activation Z1 = X·W1 + b1 is then
computed exactly in float32 and float64, in any summation order, and is never
closer to 0 than 2**-10. So the ReLU mask cannot depend on how the learner
ordered the arithmetic (no false alarms at the kink), and finite differences
with a step far below 2**-10 never cross it.
"""
from __future__ import annotations

import numpy as np

SMALL = dict(B=7, D=5, H=6, C=4)
INTERVIEW = dict(B=64, D=128, H=256, C=10)
DTYPES = (np.float64, np.float32)


def labels(rng, B: int, C: int) -> np.ndarray:
    y = rng.integers(0, C, size=B).astype(np.int64)
    y[: min(B, C)] = rng.permutation(C)[: min(B, C)]  # every class appears when B >= C
    return y


def logits(rng, B: int, C: int, dtype, spread: float = 2.0) -> np.ndarray:
    return (rng.standard_normal((B, C)) * spread).astype(dtype)


def grid(rng, shape, step: float, max_steps: int) -> np.ndarray:
    """Integers in [-max_steps, max_steps] times a power-of-two step: exact in float32."""
    return rng.integers(-max_steps, max_steps + 1, size=shape).astype(np.float64) * step


def mlp_params(rng, D: int, H: int, C: int, dtype) -> dict:
    # b1 is an odd multiple of 2**-10 while X·W1 is a multiple of 2**-9: Z1 is never 0.
    return {
        "W1": grid(rng, (D, H), 2.0 ** -6, 64).astype(dtype),
        "b1": ((2 * rng.integers(-256, 256, size=H) + 1) * 2.0 ** -10).astype(dtype),
        "W2": (rng.standard_normal((H, C)) / np.sqrt(H)).astype(dtype),
        "b2": (rng.standard_normal(C) * 0.1).astype(dtype),
    }


def mlp_inputs(rng, B: int, D: int, H: int, C: int, dtype):
    """X, y, params for the two-layer MLP, with |Z1| >= 2**-10 everywhere."""
    X = grid(rng, (B, D), 2.0 ** -3, 16).astype(dtype)
    return X, labels(rng, B, C), mlp_params(rng, D, H, C, dtype)


def away_from_zero(rng, shape, dtype, margin: float = 0.1) -> np.ndarray:
    """Normal draws pushed out of (-margin, margin): for ReLU tests off the kink."""
    z = rng.standard_normal(shape)
    z = np.where(z >= 0, z + margin, z - margin)
    return z.astype(dtype)


def duplicate(*arrays):
    """Each array stacked on itself along the batch axis (B -> 2B)."""
    return tuple(np.concatenate([a, a], axis=0) for a in arrays)


def f64(params: dict) -> dict:
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
