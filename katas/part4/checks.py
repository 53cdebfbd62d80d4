"""Hidden checks for part4: mlp_forward and mlp_backward."""
import numpy as np

from grader import cases
from grader.checklib import (check, expect_close, expect_finite, expect_finite_differences,
                             expect_grads, expect_repeatable, expect_scalar, expect_tuple)
from grader.codec import Ref
from grader.compare import tolerances

GRAD_NAMES = ("W1", "b1", "W2", "b2", "X")


def grad_shapes(X, params):
    return {**{k: params[k].shape for k in ("W1", "b1", "W2", "b2")}, "X": X.shape}


def learner_forward(ctx, X, y, params):
    value, handle = ctx.call("mlp_forward", X, y, params, keep=True)
    loss, _ = expect_tuple(ctx, value, 2, "mlp_forward")
    return expect_scalar(ctx, loss, "loss", X.dtype), Ref(handle, (1,))


def learner_grads(ctx, X, y, params):
    loss, cache = learner_forward(ctx, X, y, params)
    grads = expect_grads(ctx, ctx.call("mlp_backward", cache), grad_shapes(X, params), X.dtype)
    return loss, grads, cache


def expected(ctx, X, y, params):
    X64, p64 = np.asarray(X, np.float64), cases.f64(params)
    loss, cache = ctx.ref.mlp_forward(X64, y, p64)
    return float(loss), ctx.ref.mlp_backward(cache)


def compare_grads(ctx, got, want, dtype, named, scale_factor=1.0, details=()):
    for name in GRAD_NAMES:
        magnitude = float(np.abs(want[name]).max())
        expect_close(ctx, got[name], want[name], f"grads[{name!r}]", dtype, scale=magnitude * scale_factor,
                     named=named, details=list(details))


def sized_cases(ctx, dtype):
    yield cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL)
    yield cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.INTERVIEW)


@check("shapes", "Loss is a scalar; every gradient has its tensor's shape and dtype", hint=1)
def shapes(ctx):
    for dtype in cases.DTYPES:
        learner_grads(ctx, *cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL))


@check("forward", "The loss matches the reference", hint=1)
def forward(ctx):
    for dtype in cases.DTYPES:
        for X, y, params in sized_cases(ctx, dtype):
            loss, _ = learner_forward(ctx, X, y, params)
            want, _ = expected(ctx, X, y, params)
            expect_close(ctx, loss, want, "loss", dtype, named={"B": len(y)})


@check("gradients", "All five gradients match the reference", hint=2)
def gradients(ctx):
    for dtype in cases.DTYPES:
        for X, y, params in sized_cases(ctx, dtype):
            _, got, _ = learner_grads(ctx, X, y, params)
            compare_grads(ctx, got, expected(ctx, X, y, params)[1], dtype, {"B": len(y)})


@check("batch-mean", "1/B enters once: gradients follow the mean over the batch", hint=3)
def batch_mean(ctx):
    for B in (6, 11):
        X, y, params = cases.mlp_inputs(ctx.rng, B, 5, 8, 3, np.float64)
        want_loss, want = expected(ctx, X, y, params)
        loss, got, _ = learner_grads(ctx, X, y, params)
        expect_close(ctx, loss, want_loss, f"loss at B = {B}", np.float64, named={"B": B})
        compare_grads(ctx, got, want, np.float64, {"B": B}, details=[f"batch size B = {B}"])
        # Every example twice: parameter gradients of a mean are unchanged; each row of dX halves.
        X2, y2 = cases.duplicate(X, y)
        _, got2, _ = learner_grads(ctx, X2, y2, params)
        halved = {**want, "X": np.concatenate([want["X"], want["X"]]) / 2}
        compare_grads(ctx, got2, halved, np.float64, {"2B": 2 * B, "B": B},
                      details=["with every example duplicated, the mean loss and the parameter gradients "
                               "must not change"])


@check("finite-differences", "Each gradient agrees with finite differences of your mlp_forward", hint=2)
def finite_differences(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, grads, _ = learner_grads(ctx, X, y, params)
    point = {**params, "X": X}

    def loss_at(p):
        return learner_forward(ctx, p["X"], y, {k: p[k] for k in ("W1", "b1", "W2", "b2")})[0]

    expect_finite_differences(ctx, loss_at, grads, point, label=lambda n: f"grads[{n!r}]")


def logits_of(X, params) -> np.ndarray:
    p = cases.f64(params)
    return np.maximum(np.asarray(X, np.float64) @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]


def expect_exact_at_scale(ctx, X, y, params, dtype, note):
    """Finite, and equal to the reference within tolerances scaled by the logits' size."""
    loss, got, _ = learner_grads(ctx, X, y, params)
    expect_finite(ctx, loss, "loss", note)
    for name in GRAD_NAMES:
        expect_finite(ctx, got[name], f"grads[{name!r}]", note)
    want_loss, want = expected(ctx, X, y, params)
    # Rounding a logit of size L costs eps·L in absolute terms, in any correct code.
    logit_scale = float(np.abs(logits_of(X, params)).max())
    expect_close(ctx, loss, want_loss, "loss", dtype, scale=logit_scale, details=note)
    compare_grads(ctx, got, want, dtype, {"B": len(y)}, scale_factor=logit_scale, details=note)


@check("stability", "Large logits, and rows at very different offsets, give finite, exact results", hint=1)
def stability(ctx):
    for dtype in cases.DTYPES:
        # Every logit near 2000, with the usual moderate spread inside a row:
        # overflow unless the max is subtracted.
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
        params["b2"] = params["b2"] + 2000.0
        X, params = X.astype(dtype), {k: v.astype(dtype) for k, v in params.items()}
        expect_exact_at_scale(ctx, X, y, params, dtype, ["logits near 2000: subtract the max before exp"])
        # A shared column in W2 shifts each row by its own H1·v: rows thousands apart.
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
        params["W2"] = params["W2"] + 500.0 * ctx.rng.standard_normal((params["W2"].shape[0], 1))
        X, params = X.astype(dtype), {k: v.astype(dtype) for k, v in params.items()}
        spread = np.ptp(logits_of(X, params).max(axis=1))
        expect_exact_at_scale(ctx, X, y, params, dtype,
                              [f"row maxima {spread:.0f} apart: subtract each row's own max "
                               "(axis=1, keepdims=True), not one global max"])
    ctx.note("finite and exact with logits in the thousands and rows far apart")


@check("log-space-loss", "The loss stays exact when a true-class probability underflows", hint=3)
def log_space_loss(ctx):
    for dtype in cases.DTYPES:
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL)
        loss, _ = learner_forward(ctx, X, y, params)
        expect_close(ctx, loss, expected(ctx, X, y, params)[0], "loss", dtype, named={"B": len(y)})
        # Class y[0] pushed 800 below the rest: its probability underflows, its loss is ~800.
        params = {**params, "b2": params["b2"].copy()}
        params["b2"][y[0]] -= 800
        loss, _ = learner_forward(ctx, X, y, params)
        want, _ = expected(ctx, X, y, params)
        if np.isnan(loss):
            ctx.fail("loss is NaN when a true-class probability underflows to 0",
                     ["compute the loss in log space: log_probs = shifted - log(sum(exp(shifted)))"])
        rtol, atol = tolerances(dtype, float(np.abs(logits_of(X, params)).max()))
        if not np.isfinite(loss) or abs(loss - want) > atol + rtol * abs(want):
            ctx.warn(f"loss is {loss:.6g} where {want:.6g} is exact ({np.dtype(dtype)}, a true class 800 below "
                     "the others)",
                     ["-log(probs[y]) is inf (or clipped) once probs[y] underflows; compute the loss in log space "
                      "(log-sum-exp)"])
            return
    ctx.note("loss computed in log space")


@check("repeatable", "Inputs unmodified, and a second call gives the same answer")
def repeatable(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, cache = learner_forward(ctx, X, y, params)
    expect_repeatable(ctx, "mlp_forward", X, y, params)
    expect_repeatable(ctx, "mlp_backward", cache,
                      explain="mlp_backward changed its cache (an in-place op on Z1 or probs?), so a second "
                              "backward from the same cache differs")
    ctx.note("inputs and cache unchanged; repeat calls agree")


CHECKS = [shapes, forward, gradients, batch_mean, finite_differences, stability, log_space_loss, repeatable]
