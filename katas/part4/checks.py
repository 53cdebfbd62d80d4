"""Hidden checks for part4: mlp_forward and mlp_backward."""
import numpy as np

from grader import cases
from grader.checklib import (check, expect_close, expect_finite, expect_finite_differences,
                             expect_grads, expect_repeatable, expect_scalar, expect_tuple)
from grader.codec import Ref

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


@check("stability", "Large logits (around 1e3) give finite, exact results", hint=1)
def stability(ctx):
    for dtype in cases.DTYPES:
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
        params["W2"] = params["W2"] * 30
        params["b2"] = params["b2"] + 2000.0
        X, params = X.astype(dtype), {k: v.astype(dtype) for k, v in params.items()}
        loss, got, _ = learner_grads(ctx, X, y, params)
        note = ["logits near 2000: subtract each row's max before exp"]
        expect_finite(ctx, loss, "loss", note)
        for name in GRAD_NAMES:
            expect_finite(ctx, got[name], f"grads[{name!r}]", note)
        want_loss, want = expected(ctx, X, y, params)
        logit_scale = 2100.0  # float rounding of logits this large is eps * 2000 in absolute terms
        expect_close(ctx, loss, want_loss, "loss", dtype, scale=logit_scale, details=note)
        compare_grads(ctx, got, want, dtype, {"B": len(y)}, scale_factor=logit_scale, details=note)
    ctx.note("finite and exact with logits around 2000")


@check("repeatable", "Inputs unmodified, and a second call gives the same answer")
def repeatable(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, cache = learner_forward(ctx, X, y, params)
    expect_repeatable(ctx, "mlp_forward", X, y, params)
    expect_repeatable(ctx, "mlp_backward", cache,
                      explain="mlp_backward changed its cache (an in-place op on Z1 or probs?), so a second "
                              "backward from the same cache differs")
    ctx.note("inputs and cache unchanged; repeat calls agree")


CHECKS = [shapes, forward, gradients, batch_mean, finite_differences, stability, repeatable]
