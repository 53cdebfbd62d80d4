"""Hidden checks for part3: relu_forward and relu_backward.

Mistakes are named only from exact signatures: off the kink (|Z| >= 0.1) a correct
dZ is exactly 0 wherever Z < 0, so any non-zero entry there is gradient leaking
through a unit that was off; a result made only of 0s and 1s (or unchanged when
dH doubles) cannot involve dH; H = α·Z on the negatives is a leaky ReLU.
"""
import numpy as np

from grader.checks import (cases, check, diagnosis, expect_array, expect_close, expect_finite_differences,
                           expect_repeatable)


SHAPE = (7, 6)


def learner_relu(ctx, Z):
    return expect_array(ctx, ctx.call("relu_forward", Z), "H", Z.shape, Z.dtype)


def learner_backward(ctx, dH, Z):
    return expect_array(ctx, ctx.call("relu_backward", dH, Z), "dZ", Z.shape, Z.dtype)


def leak_finding(got, dH, Z) -> dict | None:
    """relu-grad-where-negative when dZ is non-zero anywhere Z < 0, with what the
    pattern says about where the mask came from."""
    got = np.asarray(got, dtype=np.float64)
    dH, neg = np.asarray(dH, dtype=np.float64), Z < 0
    leaks = neg & (got != 0)
    if not leaks.any():
        return None
    evidence = f"dZ is non-zero at {int(leaks.sum())} of the {int(neg.sum())} entries where Z < 0"
    if np.array_equal(got, dH):
        evidence += "; dZ equals dH everywhere, so the mask is always true (as H >= 0 is, or Z >= 0 once Z " \
                    "holds the ReLU's output)"
    elif np.array_equal(got, np.where(neg, dH, 0)):
        evidence += "; dZ is dH exactly where Z < 0 and 0 where Z > 0: the mask is inverted"
    elif np.array_equal(got, np.where(dH > 0, dH, 0)):
        evidence += "; dZ is dH exactly where dH > 0, whatever Z: the mask comes from the upstream gradient"
    return diagnosis("relu-grad-where-negative", evidence)


def mask_only_finding(got, Z) -> dict | None:
    """relu-ignores-upstream when dZ holds nothing but 0s and 1s: dH (random, never
    exactly 1) cannot have entered it."""
    got = np.asarray(got, dtype=np.float64)
    if got.any() and np.isin(got, (0.0, 1.0)).all():
        return diagnosis("relu-ignores-upstream", "every entry of dZ is 0 or 1: it is the mask itself, "
                                                  "and dH never entered")
    return None


def leaky_finding(H, Z, dtype) -> dict | None:
    """leaky-relu when H is exact where Z > 0 and a fixed fraction α of Z where Z < 0."""
    H, Z = np.asarray(H, dtype=np.float64), Z.astype(np.float64)
    pos, neg = Z > 0, Z < 0
    if not neg.any() or not np.isfinite(H).all():
        return None
    tol = 512 * float(np.finfo(dtype).eps)
    if np.abs(H[pos] - Z[pos]).max(initial=0) > tol * np.abs(Z).max():
        return None
    alpha = float(np.vdot(H[neg], Z[neg]) / np.vdot(Z[neg], Z[neg]))
    if 0 < alpha < 1 and np.abs(H[neg] - alpha * Z[neg]).max() <= tol * np.abs(Z[neg]).max():
        return diagnosis("leaky-relu", f"H is exactly Z where Z > 0 and {alpha:.4g}·Z where Z < 0")
    return None


def diagnose_all(ctx, *findings) -> None:
    for found in findings:
        if found:
            ctx.diagnose(found)


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
        H = learner_relu(ctx, Z)
        want = np.maximum(Z.astype(np.float64), 0)
        diagnose_all(ctx, leaky_finding(H, Z, dtype))
        expect_close(ctx, H, want, "H", dtype)


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
                         ["build the mask from the pre-activation Z (Z > 0), not from the output or from dH"],
                         diagnoses=[leak_finding(got, dH, Z)])
            diagnose_all(ctx, mask_only_finding(got, Z))
            want = ctx.ref.relu_backward(dH.astype(np.float64), Z.astype(np.float64))
            expect_close(ctx, got, want, "dZ", dtype, named={"B": shape[0]})


@check("uses-upstream", "relu_backward scales with the upstream gradient dH", hint=2)
def uses_upstream(ctx):
    Z, dH = off_kink_case(ctx, np.float64)
    once = learner_backward(ctx, dH, Z)
    twice = learner_backward(ctx, 2 * dH, Z)
    if once.any() and np.array_equal(once, twice):
        ctx.diagnose("relu-ignores-upstream", "dZ for 2·dH is identical to dZ for dH")
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
        away = np.where(zeros, 0, got)
        diagnose_all(ctx, leak_finding(away, dH, Z), mask_only_finding(got, Z))
        expect_close(ctx, away, want, "dZ away from Z = 0", dtype)
        factor = got[zeros].astype(np.float64) / dH[zeros]
        if not np.isfinite(factor).all() or factor.min() < -1e-6 or factor.max() > 1 + 1e-6:
            # Everything off the kink was exact just above, so only the value at 0 is wrong.
            shown = ("NaN or inf in dZ" if not np.isfinite(factor).all() else
                     f"dZ/dH = {factor.min():.3g}" if np.ptp(factor) <= 1e-6 else
                     f"dZ/dH from {factor.min():.3g} to {factor.max():.3g}")
            ctx.fail("at Z = 0, dZ is not a subgradient: it should be c·dH with c between 0 and 1",
                     [f"got {shown} at the zeros"],
                     diagnoses=[diagnosis("relu-zero-not-subgradient",
                                          f"exact wherever Z != 0, but {shown} where Z == 0")])
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
    diagnose_all(ctx, leak_finding(grads["Z"], G, Z), mask_only_finding(grads["Z"], Z))

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


def relu_backward_range(dH, Z):
    """What `kata repro` accepts from relu_backward(dH, Z), entry by entry: the reference
    away from Z = 0, and any subgradient c·dH (0 <= c <= 1) at exactly Z = 0, as
    `zero-convention` does. (low, high) arrays, shaped like dZ."""
    dH, Z = np.asarray(dH, np.float64), np.asarray(Z, np.float64)
    exact = np.where(Z > 0, dH, 0.0)
    at_zero = Z == 0
    return np.where(at_zero, np.minimum(dH, 0.0), exact), np.where(at_zero, np.maximum(dH, 0.0), exact)


# For `kata repro` (grader.grading.repro): results other than the reference's that the checks accept.
REPRO_RANGES = {"relu_backward": relu_backward_range}
