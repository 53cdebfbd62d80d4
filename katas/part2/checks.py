"""Hidden checks for part2: linear_forward and linear_backward."""
import numpy as np

from grader import cases
from grader.checklib import (check, expect_array, expect_close, expect_finite_differences,
                             expect_repeatable, expect_tuple)

SIZES = dict(B=7, n_in=5, n_out=3)


def make_case(rng, dtype, B=7, n_in=5, n_out=3):
    A = rng.standard_normal((B, n_in)).astype(dtype)
    W = rng.standard_normal((n_in, n_out)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    dZ = (rng.standard_normal((B, n_out)) / B).astype(dtype)
    return A, W, b, dZ


def learner_backward(ctx, dZ, A, W):
    out = expect_tuple(ctx, ctx.call("linear_backward", dZ, A, W), 3, "linear_backward")
    B, n_in = A.shape
    n_out = W.shape[1]
    shapes = {"dA": (B, n_in), "dW": (n_in, n_out), "db": (n_out,)}
    return {name: expect_array(ctx, value, name, shapes[name], A.dtype) for name, value in zip(shapes, out)}


def expected_backward(ctx, dZ, A, W):
    dA, dW, db = ctx.ref.linear_backward(*(np.asarray(a, np.float64) for a in (dZ, A, W)))
    return {"dA": dA, "dW": dW, "db": db}


@check("shapes", "Output shapes and dtypes", hint=1)
def shapes(ctx):
    for dtype in cases.DTYPES:
        A, W, b, dZ = make_case(ctx.rng, dtype)
        expect_array(ctx, ctx.call("linear_forward", A, W, b), "Z", (7, 3), dtype)
        learner_backward(ctx, dZ, A, W)


@check("forward", "linear_forward matches the reference")
def forward(ctx):
    for dtype in cases.DTYPES:
        for sizes in (SIZES, dict(B=6, n_in=4, n_out=4), dict(B=64, n_in=256, n_out=10)):
            A, W, b, _ = make_case(ctx.rng, dtype, **sizes)
            Z = expect_array(ctx, ctx.call("linear_forward", A, W, b), "Z", (sizes["B"], sizes["n_out"]), dtype)
            expected = ctx.ref.linear_forward(*(np.asarray(a, np.float64) for a in (A, W, b)))
            scale = float(np.abs(A).max() * np.abs(W).max() * A.shape[1])
            expect_close(ctx, Z, expected, "Z", dtype, scale=scale)


@check("backward", "linear_backward matches the reference (dA, dW, db)", hint=4)
def backward(ctx):
    # The square case (n_in == n_out) catches a W where W.T belongs: its shape is right.
    for dtype in cases.DTYPES:
        for sizes in (SIZES, dict(B=6, n_in=4, n_out=4), dict(B=64, n_in=256, n_out=10)):
            A, W, _, dZ = make_case(ctx.rng, dtype, **sizes)
            got = learner_backward(ctx, dZ, A, W)
            expected = expected_backward(ctx, dZ, A, W)
            for name in ("dA", "dW", "db"):
                expect_close(ctx, got[name], expected[name], name, dtype, named={"B": sizes["B"]})


@check("no-batch-factor", "linear_backward does not apply 1/B again", hint=3)
def no_batch_factor(ctx):
    # Duplicating every row of dZ and A doubles dW and db (they are sums over the
    # batch) and leaves each row of dA unchanged; a hidden 1/B would cancel that.
    for B in (6, 11):
        A, W, _, dZ = make_case(ctx.rng, np.float64, B=B)
        single = learner_backward(ctx, dZ, A, W)
        expected = expected_backward(ctx, dZ, A, W)
        for name in ("dW", "db"):
            expect_close(ctx, single[name], expected[name], name, np.float64, named={"B": B},
                         details=[f"batch size B = {B}; dZ already carries the loss's 1/B, so this layer "
                                  "must not divide by B"])
        A2, dZ2 = cases.duplicate(A, dZ)
        double = learner_backward(ctx, dZ2, A2, W)
        for name in ("dW", "db"):
            expect_close(ctx, double[name], 2 * expected[name], f"{name} for the batch duplicated",
                         np.float64, named={"2B": 2 * B, "B": B},
                         details=["with every example given twice, a sum over the batch doubles"])
        expect_close(ctx, double["dA"][:B], expected["dA"], "dA for the batch duplicated", np.float64,
                     named={"B": B})


@check("finite-differences", "Gradients agree with finite differences of linear_forward", hint=1)
def finite_differences(ctx):
    # f(A, W, b) = sum(G * linear_forward(A, W, b)) has gradient linear_backward(G, A, W).
    A, W, b, G = make_case(ctx.rng, np.float64)
    grads = dict(zip(("A", "W", "b"), learner_backward(ctx, G, A, W).values()))

    def loss_at(p):
        Z = ctx.call("linear_forward", p["A"], p["W"], p["b"])
        return float(np.sum(G * np.asarray(Z, dtype=np.float64)))

    expect_finite_differences(ctx, loss_at, grads, {"A": A, "W": W, "b": b}, label=lambda n: f"d{n}")


@check("repeatable", "Inputs unmodified, and a second call gives the same answer")
def repeatable(ctx):
    A, W, b, dZ = make_case(ctx.rng, np.float64)
    expect_repeatable(ctx, "linear_forward", A, W, b)
    expect_repeatable(ctx, "linear_backward", dZ, A, W)
    ctx.note("inputs unchanged by both functions; repeat calls agree")


CHECKS = [shapes, forward, backward, no_batch_factor, finite_differences, repeatable]
