"""Hidden checks for part3: relu_forward and relu_backward."""
import numpy as np

from grader import cases
from grader.checklib import (check, expect_array, expect_close, expect_finite_differences,
                             expect_repeatable)

SHAPE = (7, 6)


def learner_relu(ctx, Z):
    return expect_array(ctx, ctx.call("relu_forward", Z), "H", Z.shape, Z.dtype)


def learner_backward(ctx, dH, Z):
    return expect_array(ctx, ctx.call("relu_backward", dH, Z), "dZ", Z.shape, Z.dtype)


def off_kink_case(ctx, dtype, shape=SHAPE):
    """Z away from 0 (so no convention is involved) and an upstream gradient dH."""
    return cases.away_from_zero(ctx.rng, shape, dtype), ctx.rng.standard_normal(shape).astype(dtype)


@check("shapes", "Output shapes and dtypes")
def shapes(ctx):
    for dtype in cases.DTYPES:
        Z, dH = off_kink_case(ctx, dtype)
        learner_relu(ctx, Z)
        learner_backward(ctx, dH, Z)


@check("forward", "relu_forward matches max(Z, 0)")
def forward(ctx):
    for dtype in cases.DTYPES:
        Z, _ = off_kink_case(ctx, dtype, (64, 256))
        expect_close(ctx, learner_relu(ctx, Z), np.maximum(Z.astype(np.float64), 0), "H", dtype)


@check("backward", "relu_backward passes dH exactly where Z > 0", hint=2)
def backward(ctx):
    for dtype in cases.DTYPES:
        for shape in (SHAPE, (64, 256)):
            Z, dH = off_kink_case(ctx, dtype, shape)
            got = learner_backward(ctx, dH, Z)
            # A leaking mask has a telling signature; name it before the generic comparison.
            leaks = (Z < 0) & (got != 0)
            if leaks.any():
                ctx.fail(f"dZ is non-zero where Z < 0 ({int(leaks.sum())} of {int((Z < 0).sum())} entries): "
                         "gradient flows through units that were off",
                         ["build the mask from the pre-activation Z (Z > 0), not from the output or from dH"])
            want = ctx.ref.relu_backward(dH.astype(np.float64), Z.astype(np.float64))
            expect_close(ctx, got, want, "dZ", dtype, named={"B": shape[0]})


@check("uses-upstream", "relu_backward scales with the upstream gradient dH", hint=2)
def uses_upstream(ctx):
    Z, dH = off_kink_case(ctx, np.float64)
    once = learner_backward(ctx, dH, Z)
    twice = learner_backward(ctx, 2 * dH, Z)
    expect_close(ctx, twice, 2 * once, "dZ for 2·dH", np.float64,
                 details=["the chain rule multiplies the mask by dH; a bare 0/1 mask ignores the upstream gradient"])


@check("zero-convention", "ReLU at exactly Z = 0: any subgradient in [0, 1] passes", hint=3)
def zero_convention(ctx):
    for dtype in cases.DTYPES:
        Z, dH = off_kink_case(ctx, dtype)
        Z[::2, ::3] = 0  # exact zeros, where the derivative is undefined
        zeros = Z == 0
        dH[zeros] = np.abs(dH[zeros]) + 0.5
        got = learner_backward(ctx, dH, Z)
        want = ctx.ref.relu_backward(dH.astype(np.float64), Z.astype(np.float64))
        expect_close(ctx, np.where(zeros, 0, got), want, "dZ away from Z = 0", dtype)
        factor = got[zeros].astype(np.float64) / dH[zeros]
        if not np.isfinite(factor).all() or factor.min() < -1e-6 or factor.max() > 1 + 1e-6:
            ctx.fail("at Z = 0, dZ is not a subgradient: it should be c·dH with c between 0 and 1",
                     [f"got dZ/dH from {factor.min():.3g} to {factor.max():.3g} at the zeros"])
        if np.ptp(factor) > 1e-6:
            ctx.warn("at Z = 0 your gradient mixes conventions", [f"dZ/dH ranges over {factor.min():.3g}..{factor.max():.3g}"])
            return
        c = float(factor.mean())
    names = {0.0: "0 (as PyTorch's relu does)", 1.0: "1 (as torch.clamp(min=0) does)",
             0.5: "0.5 (as torch.maximum(x, 0) does)"}
    ctx.note(f"at Z = 0 you pass a gradient of {names.get(round(c, 6), f'{c:.3g}·dH')}")


@check("finite-differences", "Gradient agrees with finite differences of relu_forward (off the kink)")
def finite_differences(ctx):
    Z, G = off_kink_case(ctx, np.float64)
    grads = {"Z": learner_backward(ctx, G, Z)}

    def loss_at(p):
        return float(np.sum(G * np.asarray(learner_relu(ctx, p["Z"]), dtype=np.float64)))

    expect_finite_differences(ctx, loss_at, grads, {"Z": Z}, label=lambda _: "dZ", directions=3)


@check("repeatable", "Inputs unmodified, and a second call gives the same answer")
def repeatable(ctx):
    Z, dH = off_kink_case(ctx, np.float64)
    expect_repeatable(ctx, "relu_forward", Z,
                      explain="an in-place ReLU (Z[Z < 0] = 0, np.maximum(Z, 0, out=Z)) destroys Z for backward")
    expect_repeatable(ctx, "relu_backward", dH, Z)
    ctx.note("inputs unchanged; repeat calls agree")


CHECKS = [shapes, forward, backward, uses_upstream, zero_convention, finite_differences, repeatable]
