"""Hidden checks for part2: linear_forward and linear_backward."""
import numpy as np

from grader.checks import (cases, cmp, check, diagnosis, expect_array, expect_arrays, expect_batch_scaling,
                           expect_close, expect_finite_differences, expect_tuple, matches, same)


SIZES = dict(B=7, n_in=5, n_out=3)
# n_in == n_out: a product that should use W.T (or give W's shape) runs with W instead
# and has the right shape, so only its values can show the missing transpose.
SQUARE = dict(B=6, n_in=4, n_out=4)
NAMES = ("dA", "dW", "db")


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
    # One of the three broken (a transposed dW) is set aside; the others are still judged.
    return expect_arrays(ctx, dict(zip(shapes, out)), shapes, A.dtype, biases=("db",))


def expected_backward(ctx, dZ, A, W):
    dA, dW, db = ctx.ref.linear_backward(*(np.asarray(a, np.float64) for a in (dZ, A, W)))
    return {"dA": dA, "dW": dW, "db": db}


@check("shapes", "Output shapes and dtypes", hint=1)
def shapes(ctx):
    for dtype in cases.DTYPES:
        A, W, b, dZ = make_case(ctx.rng, dtype)
        expect_array(ctx, ctx.call("linear_forward", A, W, b), "Z", (7, 3), dtype)
        learner_backward(ctx, dZ, A, W)


@check("forward", "linear_forward matches the reference", hint=4)
def forward(ctx):
    for dtype in cases.DTYPES:
        for sizes in (SIZES, dict(B=6, n_in=4, n_out=4), dict(B=64, n_in=256, n_out=10)):
            A, W, b, _ = make_case(ctx.rng, dtype, **sizes)
            Z = expect_array(ctx, ctx.call("linear_forward", A, W, b), "Z", (sizes["B"], sizes["n_out"]), dtype)
            A64, W64, b64 = (np.asarray(a, np.float64) for a in (A, W, b))
            expected = ctx.ref.linear_forward(A64, W64, b64)
            scale = float(np.abs(A).max() * np.abs(W).max() * A.shape[1])
            # Z = A·W exactly (b is a random normal vector, never 0): the bias was left out.
            rtol, atol = cmp.tolerances(dtype, scale)
            if cmp.compare(Z, expected, rtol, atol) is not None and cmp.compare(Z, A64 @ W64, rtol, atol) is None:
                ctx.diagnose("forward-missing-bias", "Z equals A @ W exactly: every row is short of b")
            expect_close(ctx, Z, expected, "Z", dtype, scale=scale)


@check("backward", "linear_backward matches the reference (dA, dW, db)", hint=4)
def backward(ctx):
    # The square case comes first: a W where W.T belongs (or dZ.T @ A for dW) has the
    # right shape there, and fails here by value.
    for sizes in (SQUARE, SIZES, dict(B=64, n_in=256, n_out=10)):
        for dtype in cases.DTYPES:
            A, W, _, dZ = make_case(ctx.rng, dtype, **sizes)
            got = learner_backward(ctx, dZ, A, W)
            expected = expected_backward(ctx, dZ, A, W)
            if sizes is SQUARE and "dA" in got and not matches(got["dA"], expected["dA"], dtype) and matches(
                    got["dA"], np.asarray(dZ, np.float64) @ np.asarray(W, np.float64), dtype):
                ctx.diagnose("wrong-transpose", "dA equals dZ @ W: W where W.T belongs (with n_in != n_out "
                                                "the product does not even line up)")
            for name in (n for n in NAMES if n in got):
                expect_close(ctx, got[name], expected[name], name, dtype, named={"B": sizes["B"]})


@check("no-batch-factor", "linear_backward does not apply 1/B again", hint=3)
def no_batch_factor(ctx):
    # At two batch sizes, and with every row of dZ and A given twice: dW and db are
    # sums over the batch (so they double), each row of dA is unchanged. A factor that
    # follows B at every size is a stray 1/B (or a db that is a mean, not a sum).
    runs = []
    for B in (6, 11):
        A, W, _, dZ = make_case(ctx.rng, np.float64, B=B)
        expected = expected_backward(ctx, dZ, A, W)
        runs.append((B, learner_backward(ctx, dZ, A, W), expected))
        A2, dZ2 = cases.duplicate(A, dZ)
        runs.append((2 * B, learner_backward(ctx, dZ2, A2, W),
                     {"dA": np.concatenate([expected["dA"]] * 2), "dW": 2 * expected["dW"],
                      "db": 2 * expected["db"]}))
    expect_batch_scaling(ctx, runs, np.float64, biases=("db",))
    ctx.note("no 1/B in this layer: dW and db double with the batch, dA rows stay the same")


@check("finite-differences", "Gradients agree with finite differences of linear_forward", hint=1)
def finite_differences(ctx):
    # f(A, W, b) = sum(G * linear_forward(A, W, b)) has gradient linear_backward(G, A, W).
    A, W, b, G = make_case(ctx.rng, np.float64)
    got = learner_backward(ctx, G, A, W)
    grads = {p: got[d] for p, d in (("A", "dA"), ("W", "dW"), ("b", "db")) if d in got}

    def loss_at(p):
        Z = ctx.call("linear_forward", p["A"], p["W"], p["b"])
        return float(np.sum(G * np.asarray(Z, dtype=np.float64)))

    expect_finite_differences(ctx, loss_at, grads, {"A": A, "W": W, "b": b}, label=lambda n: f"d{n}",
                              named={"B": len(A)})


def expect_same_twice(ctx, fn, args, explain, findings=lambda first, second: []):
    first = ctx.call(fn, *args)
    second = ctx.call(fn, *args)
    if not same(first, second):
        # A finding that says how the state changes names the bug; the general
        # "keeps state" would only name it a second time.
        ctx.fail(f"calling {fn} twice with the same inputs gave different results", [explain],
                 diagnoses=findings(first, second) or
                 [diagnosis("not-repeatable", f"{fn} returned something different the second time")])


@check("repeatable", "Inputs unmodified, and a second call gives the same answer", hint=4)
def repeatable(ctx):
    A, W, b, dZ = make_case(ctx.rng, np.float64)
    stateful = ("the function keeps state between calls (a global, a default argument, or a buffer it "
                "reuses); each call should depend only on its arguments")
    expect_same_twice(ctx, "linear_forward", (A, W, b), stateful)
    expected = expected_backward(ctx, dZ, A, W)

    def accumulating(first, second):
        # The second call returned the first plus exactly one more gradient: a buffer that
        # is added to and never reset (the NumPy version of an unzeroed .grad).
        try:
            grew = [n for i, n in enumerate(NAMES)
                    if not matches(second[i], first[i], np.float64)
                    and matches(np.asarray(second[i], np.float64) - np.asarray(first[i], np.float64),
                                expected[n], np.float64)]
        except (TypeError, ValueError, IndexError, KeyError):
            return []
        if not grew:
            return []
        return [diagnosis("grads-accumulate", f"{', '.join(grew)} of the second call = the first + exactly one "
                                              "more gradient")]

    expect_same_twice(ctx, "linear_backward", (dZ, A, W), stateful, accumulating)
    ctx.note("inputs unchanged by both functions; repeat calls agree")


CHECKS = [shapes, forward, backward, no_batch_factor, finite_differences, repeatable]
