"""Hidden checks for part1: softmax_cross_entropy and softmax_cross_entropy_backward."""
import numpy as np

from grader import cases
from grader.checklib import (check, expect_array, expect_close, expect_finite_differences,
                             expect_finite, expect_repeatable, expect_scalar, expect_tuple)
from grader.compare import tolerances as compare_tolerances

B, C = 7, 5


def learner_forward(ctx, logits, y):
    loss, probs = expect_tuple(ctx, ctx.call("softmax_cross_entropy", logits, y), 2, "softmax_cross_entropy")
    loss = expect_scalar(ctx, loss, "loss", logits.dtype)
    probs = expect_array(ctx, probs, "probs", logits.shape, logits.dtype)
    return loss, probs


def learner_backward(ctx, probs, y):
    return expect_array(ctx, ctx.call("softmax_cross_entropy_backward", probs, y), "dlogits",
                        probs.shape, probs.dtype)


def expected_forward(ctx, logits, y):
    loss, probs = ctx.ref.softmax_cross_entropy(np.asarray(logits, np.float64), y)
    return float(loss), probs


def compare_forward(ctx, logits, y, details=()):
    loss, probs = learner_forward(ctx, logits, y)
    expect_finite(ctx, loss, "loss", list(details))
    expect_finite(ctx, probs, "probs", list(details))
    want_loss, want_probs = expected_forward(ctx, logits, y)
    # Logits of size L carry only eps*L absolute precision: scale tolerances by it.
    scale = float(np.abs(logits).max())
    named = {"B": len(y), "C": logits.shape[1]}
    expect_close(ctx, loss, want_loss, "loss", logits.dtype, scale=scale, named=named, details=list(details))
    expect_close(ctx, probs, want_probs, "probs", logits.dtype, scale=scale, details=list(details))
    return loss, probs


@check("shapes", "Output shapes and dtypes")
def shapes(ctx):
    for dtype in cases.DTYPES:
        logits, y = cases.logits(ctx.rng, B, C, dtype), cases.labels(ctx.rng, B, C)
        _, probs = learner_forward(ctx, logits, y)
        learner_backward(ctx, probs.astype(dtype), y)


@check("forward", "Loss and probabilities match the reference", hint=2)
def forward(ctx):
    for dtype in cases.DTYPES:
        for b, c in ((B, C), (64, 10), (5, 2)):
            compare_forward(ctx, cases.logits(ctx.rng, b, c, dtype), cases.labels(ctx.rng, b, c))


@check("backward", "dlogits matches the reference", hint=3)
def backward(ctx):
    for dtype in cases.DTYPES:
        for b, c in ((B, C), (64, 10)):
            logits, y = cases.logits(ctx.rng, b, c, dtype), cases.labels(ctx.rng, b, c)
            probs = expected_forward(ctx, logits, y)[1].astype(dtype)
            got = learner_backward(ctx, probs, y)
            want = ctx.ref.softmax_cross_entropy_backward(probs.astype(np.float64), y)
            expect_close(ctx, got, want, "dlogits", dtype, named={"B": b, "C": c})


@check("batch-mean", "The loss is a mean over the batch: 1/B appears exactly once", hint=3)
def batch_mean(ctx):
    # Two batch sizes tell a 1/B error (the ratio follows B) from any other constant.
    for b in (6, 11):
        logits, y = cases.logits(ctx.rng, b, C, np.float64), cases.labels(ctx.rng, b, C)
        want_loss, want_probs = expected_forward(ctx, logits, y)
        named = {"B": b, "C": C, "B·C": b * C}
        loss, _ = learner_forward(ctx, logits, y)
        expect_close(ctx, loss, want_loss, f"loss at B = {b}", np.float64, named=named)
        dlogits = learner_backward(ctx, want_probs, y)
        expect_close(ctx, dlogits, ctx.ref.softmax_cross_entropy_backward(want_probs, y),
                     f"dlogits at B = {b}", np.float64, named=named)
        # Every example twice: the mean loss is unchanged, each row's gradient halves.
        logits2, y2 = cases.duplicate(logits, y)
        loss2, probs2 = learner_forward(ctx, logits2, y2)
        expect_close(ctx, loss2, want_loss, "loss of the batch duplicated", np.float64,
                     details=["duplicating every example must not change a mean"])
        dlogits2 = learner_backward(ctx, np.concatenate([want_probs, want_probs]), y2)
        expect_close(ctx, dlogits2[:b], dlogits / 2, "dlogits of the batch duplicated", np.float64,
                     details=[f"with 2B = {2 * b} examples each row's share of the mean halves"])


@check("finite-differences", "dlogits agrees with finite differences of your loss", hint=3)
def finite_differences(ctx):
    logits, y = cases.logits(ctx.rng, B, C, np.float64), cases.labels(ctx.rng, B, C)
    _, probs = learner_forward(ctx, logits, y)
    grads = {"logits": learner_backward(ctx, probs, y)}

    def loss_at(p):
        return learner_forward(ctx, p["logits"], y)[0]

    expect_finite_differences(ctx, loss_at, grads, {"logits": logits}, label=lambda _: "dlogits", directions=3)


@check("stability", "Huge logits and rows at very different offsets give exact, finite results", hint=1)
def stability(ctx):
    for dtype in cases.DTYPES:
        # One large offset (1e3-1e4) shared by every row: only overflow is at stake here.
        base = cases.logits(ctx.rng, B, C, np.float64)
        offset = ctx.rng.uniform(1e3, 1e4)
        compare_forward(ctx, (base + offset).astype(dtype), cases.labels(ctx.rng, B, C),
                        [f"logits around {offset:.0f}: exp overflows to inf (then inf/inf = NaN) unless the max "
                         "is subtracted before exp"])
        # Rows far apart: a single global max leaves the low rows as exp(-20000) = 0, then 0/0.
        offsets = ctx.rng.uniform(-1e4, 1e4, size=(B, 1))
        offsets[0], offsets[1] = 1e4, -1e4
        compare_forward(ctx, (base + offsets).astype(dtype), cases.labels(ctx.rng, B, C),
                        ["rows at offsets from -1e4 to +1e4: subtract each row's own max (axis=1, keepdims=True)"])
    ctx.note("finite and exact for logits up to 1e4 in float32 and float64")


@check("log-space-loss", "The loss stays exact when a true-class probability underflows", hint=2)
def log_space_loss(ctx):
    # The true class 800 below its row's max: its probability underflows to 0 even in
    # float64, but the loss (about 800/B) is perfectly representable via log-sum-exp.
    for dtype in cases.DTYPES:
        ordinary, y = cases.logits(ctx.rng, B, C, np.float64), cases.labels(ctx.rng, B, C)
        # The same batch without the extreme entry must be right first: then any
        # difference below is the underflow itself, not some other mistake.
        compare_forward(ctx, ordinary.astype(dtype), y)
        logits = ordinary.copy()
        logits[0, y[0]] = logits[0].max() - 800.0
        logits = logits.astype(dtype)
        loss, probs = learner_forward(ctx, logits, y)
        expect_finite(ctx, probs, "probs")
        want, _ = expected_forward(ctx, logits, y)
        if np.isnan(loss):
            ctx.fail("loss is NaN when one true-class probability underflows to 0",
                     ["compute the loss in log space: log_probs = shifted - log(sum(exp(shifted)))"])
        rtol, atol = compare_tolerances(dtype, float(np.abs(logits).max()))
        if not np.isfinite(loss) or abs(loss - want) > atol + rtol * abs(want):
            ctx.warn(f"loss is {loss:.6g} where {want:.6g} is exact ({np.dtype(dtype)}, a true class 800 below "
                     "the row max)",
                     ["-log(probs[y]) is inf (or clipped) once probs[y] underflows; compute the loss in log space: "
                      "log_probs = shifted - log(sum(exp(shifted))) (log-sum-exp)"])
            return
    ctx.note("loss computed in log space")


@check("repeatable", "Inputs unmodified, and a second call gives the same answer")
def repeatable(ctx):
    logits, y = cases.logits(ctx.rng, B, C, np.float64), cases.labels(ctx.rng, B, C)
    expect_repeatable(ctx, "softmax_cross_entropy", logits, y)
    probs = expected_forward(ctx, logits, y)[1]
    expect_repeatable(ctx, "softmax_cross_entropy_backward", probs, y)
    ctx.note("inputs unchanged; repeat calls agree")


CHECKS = [shapes, forward, backward, batch_mean, finite_differences, stability, log_space_loss, repeatable]
