"""Test functions for part6, with their exact gradients.

Trusted helpers, plain NumPy. The checks hand one of these to the learner's
numerical_gradient as `f` (grader.sandbox.codec.AsFunction: the learner's code gets
a stand-in, and the grader evaluates each call of it, so neither this file nor its
exact gradients ever reach the sandbox; `f(x)` is all the learner sees), and
import the same file themselves for the exact gradient and for the finite
differences they compare with.

Every `name(..., x)` returns a Python float and has a `name_grad(..., x)` that
returns the exact gradient, an array shaped like x.
"""
import numpy as np


def exp_sum(a, x):
    """f(x) = sum_i (exp(a_i x_i) - 1) / a_i, separable, with f'(x_i) = exp(a_i x_i).

    The third derivative is a_i**2 times the first, so a central difference at step h
    returns exactly f'(x_i) * sinh(a_i h) / (a_i h): its relative error (a_i h)**2 / 6
    does not depend on x, and a one-sided difference is off by about a_i h / 2.
    The value stays of order |x| (expm1 keeps it accurate near 0).
    """
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(np.expm1(a * x) / a))


def exp_sum_grad(a, x):
    return np.exp(a * np.asarray(x, dtype=np.float64))


def linear(c, w, x):
    """f(x) = c + sum(w * x): any difference quotient is exact in exact arithmetic, so
    whatever error a central (or one-sided) difference shows here is rounding."""
    x = np.asarray(x, dtype=np.float64)
    return float(c + np.sum(w * x))


def linear_grad(c, w, x):
    return np.array(w, dtype=np.float64) + 0.0 * np.asarray(x, dtype=np.float64)


def logsumexp_linear(A, c, x):
    """f(x) = log sum_k exp((A @ vec(x))_k + c_k): smooth and non-separable (every
    mixed second derivative is nonzero), for x of any shape; A is [K, x.size]."""
    z = A @ np.asarray(x, dtype=np.float64).reshape(-1) + c
    m = float(np.max(z))
    return float(m + np.log(np.sum(np.exp(z - m))))


def logsumexp_linear_grad(A, c, x):
    x = np.asarray(x, dtype=np.float64)
    z = A @ x.reshape(-1) + c
    p = np.exp(z - np.max(z))
    p /= p.sum()
    return (A.T @ p).reshape(x.shape)


def sin_quadratic(Q, x):
    """f(x) = sin(vec(x)) . Q vec(x) / 2 + sum(cos(x)), non-separable, for x of any
    shape; Q is symmetric [x.size, x.size]."""
    v = np.asarray(x, dtype=np.float64).reshape(-1)
    return float(0.5 * np.sin(v) @ Q @ v + np.sum(np.cos(v)))


def sin_quadratic_grad(Q, x):
    x = np.asarray(x, dtype=np.float64)
    v = x.reshape(-1)
    g = 0.5 * np.cos(v) * (Q @ v) + 0.5 * Q @ np.sin(v) - np.sin(v)
    return g.reshape(x.shape)


def mlp_loss_w1(X, y, b1, W2, b2, W1):
    """The mean softmax cross-entropy of the two-layer MLP of parts 1-4 as a function
    of W1 [D, H] alone; X [B, D], y [B], b1 [H], W2 [H, C], b2 [C] are bound."""
    W1 = np.asarray(W1, dtype=np.float64)
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0.0)
    Z2 = H1 @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(X.shape[0]), y].mean())


def mlp_loss_w1_grad(X, y, b1, W2, b2, W1):
    W1 = np.asarray(W1, dtype=np.float64)
    B = X.shape[0]
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0.0)
    Z2 = H1 @ W2 + b2
    probs = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    dZ2 = probs.copy()
    dZ2[np.arange(B), y] -= 1.0
    dZ2 /= B
    dZ1 = np.where(Z1 > 0, dZ2 @ W2.T, 0.0)
    return X.T @ dZ1
