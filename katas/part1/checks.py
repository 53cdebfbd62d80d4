"""Hidden checks for part1: softmax_cross_entropy and softmax_cross_entropy_backward.

Besides pass/fail, the checks name the classic mistakes, but only from exact
signatures: a factor that holds at every batch or class count tried (B×, 1/B,
1/C, 1/ln 2), a gradient that equals probs/B, a probe whose only explanation is
the mistake (rows of probs moving when only another row's logits changed; NaN
after a shift that leaves a softmax unchanged). The signature analysis only
runs once a comparison has already failed, so correct code never pays for it.
"""
import contextlib

import numpy as np

from grader.checks import (cases, cmp, check, diagnosis, expect_array, expect_batch_scaling, expect_close,
                           expect_finite, expect_finite_differences, expect_repeatable, expect_scalar,
                           expect_tuple, shared_max_finding)
from grader.checks import signatures


B, C = 7, 5
# A factor that holds at every run to this relative precision is the mistake's own
# (float32 losses are good to ~1e-6; an accidental match at several sizes is not possible).
FACTOR_RTOL = 1e-4
LOG_BASES = ((np.log(2.0), "1/ln 2 ≈ 1.4427: log2, the loss in bits"),
             (np.log(10.0), "1/ln 10 ≈ 0.4343: log10"))


def per_example_losses(logits, y) -> np.ndarray:
    """-log softmax(logits)[y] per row, in float64."""
    z = np.asarray(logits, dtype=np.float64)
    s = z - z.max(axis=1, keepdims=True)
    return np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y]


def loss_shape_finding(ctx, loss: np.ndarray, logits, y) -> dict:
    """A loss that is an array: the per-example losses themselves, or some other shape."""
    if loss.shape == (len(y),) and np.issubdtype(loss.dtype, np.floating):
        want = per_example_losses(logits, y)
        rtol, atol = cmp.tolerances(logits.dtype, float(np.abs(logits).max()))
        if cmp.compare(loss, want, rtol, atol) is None:
            return diagnosis("per-example-loss", f"the loss has shape {loss.shape}: it holds the {len(y)} "
                                                 "per-example losses, exactly, but not their mean")
    return diagnosis("wrong-shape", f"the loss has shape {loss.shape}; it should be one number")


def learner_forward(ctx, logits, y, lenient=False):
    """The learner's (loss, probs), validated. `lenient`: one of the two that is broken
    comes back as None, set aside for the end of the check, so the other is still judged."""
    loss, probs = expect_tuple(ctx, ctx.call("softmax_cross_entropy", logits, y), 2, "softmax_cross_entropy")
    if isinstance(loss, np.ndarray) and loss.ndim > 0:
        ctx.diagnose(loss_shape_finding(ctx, loss, logits, y))  # expect_scalar fails on it next
    if lenient:
        return (ctx.or_set_aside("loss", expect_scalar, ctx, loss, "loss", logits.dtype),
                ctx.or_set_aside("probs", expect_array, ctx, probs, "probs", logits.shape, logits.dtype))
    loss = expect_scalar(ctx, loss, "loss", logits.dtype)
    probs = expect_array(ctx, probs, "probs", logits.shape, logits.dtype)
    return loss, probs


def learner_backward(ctx, probs, y):
    return expect_array(ctx, ctx.call("softmax_cross_entropy_backward", probs, y), "dlogits",
                        probs.shape, probs.dtype)


def expected_forward(ctx, logits, y):
    loss, probs = ctx.ref.softmax_cross_entropy(np.asarray(logits, np.float64), y)
    return float(loss), probs


def mismatch(got, want, dtype, scale: float = 0.0):
    """cmp.compare with the tolerances expect_close (and expect_batch_scaling) use."""
    want = np.asarray(want, dtype=np.float64)
    rtol, atol = cmp.tolerances(dtype, max(float(np.max(np.abs(want))) if want.size else 0.0, scale))
    return cmp.compare(got, want, rtol, atol)


def compare_forward(ctx, logits, y, details=(), non_finite=None, probe=None):
    """Learner's forward on `logits` against the reference. `non_finite`: (id, evidence,
    advice) naming the mistake when NaN/inf is the only way this input can fail.
    `probe(probs, want_probs)`: a signature test run before any failure, which returns
    (id, evidence, advice) when the result matches one known mistake, else None."""
    loss, probs = learner_forward(ctx, logits, y)
    want_loss, want_probs = expected_forward(ctx, logits, y)
    details = list(details)
    finding = probe(probs, want_probs) if probe else None
    if finding:
        ctx.diagnose(finding[0], finding[1])
        details.append(finding[2])
    broken = not (np.isfinite(loss) and np.isfinite(probs).all())
    if non_finite and broken and not finding:
        id, evidence, advice = non_finite
        with ctx.explains_failure(id, evidence):
            expect_finite(ctx, loss, "loss", details + [advice])
            expect_finite(ctx, probs, "probs", details + [advice])
    expect_finite(ctx, loss, "loss", details)
    expect_finite(ctx, probs, "probs", details)
    # Logits of size L carry only eps*L absolute precision, and so does any log-softmax
    # of them: each probability is good to a relative kappa, the loss (a mean of
    # log-probabilities) to an absolute kappa (see cmp.log_prob_error).
    kappa = cmp.log_prob_error(logits.dtype, float(np.abs(logits).max()))
    named = {"B": len(y), "C": logits.shape[1]}
    expect_close(ctx, loss, want_loss, "loss", logits.dtype, named=named, details=details, extra_atol=kappa)
    expect_close(ctx, probs, want_probs, "probs", logits.dtype, details=details, extra_rtol=kappa)
    return loss, probs


def shared_max_probe(logits):
    """probe for compare_forward: the rows that are broken are exactly the rows far below
    the batch's largest logit (one global max), see grader.checks.shared_max_finding."""
    def probe(probs, want):
        got = np.asarray(probs, np.float64)
        with np.errstate(invalid="ignore"):
            err = np.where(np.isfinite(got), np.abs(got - want), np.inf).max(axis=1)
        # Grossly wrong: a tenth of the row's largest probability (>= 1/C), where rounding
        # costs a relative kappa at most (5e-3 at worst: float32 logits of 1e4).
        bad = err > 0.1 * want.max(axis=1)
        evidence = shared_max_finding(logits.max(axis=1), bad, logits.dtype)
        if evidence is None:
            return None
        return ("global-max", evidence, "subtract each row's own max (axis=1, keepdims=True), not one global max")
    return probe


# -- signatures ----------------------------------------------------------------------

def _holds(factors: list[float], targets: list[float]) -> bool:
    return all(f is not None and abs(f - t) <= FACTOR_RTOL * abs(t) for f, t in zip(factors, targets))


def loss_factor_findings(runs) -> list[dict]:
    """runs: (B, C, got, want) for scalar losses. Names a factor that holds at every run:
    B (summed), 1/C (mean over B·C), 1/ln 2 or 1/ln 10 (wrong log)."""
    if len(runs) < 2 or any(not np.isfinite(g) or w == 0 for _, _, g, w in runs):
        return []
    factors = [g / w for _, _, g, w in runs]
    batch_sizes = sorted({b for b, _, _, _ in runs})
    class_counts = sorted({c for _, c, _, _ in runs})
    if len(batch_sizes) >= 2 and _holds(factors, [b for b, _, _, _ in runs]):
        return [diagnosis("summed-loss", f"the loss is exactly B× the expected at B = "
                                         f"{', '.join(map(str, batch_sizes))}")]
    if (len(class_counts) >= 2 and all(b != c for b, c, _, _ in runs)
            and _holds(factors, [1 / c for _, c, _, _ in runs])):
        return [diagnosis("mean-over-B-times-C", "the loss is exactly 1/C of the expected at C = "
                                                 f"{', '.join(map(str, class_counts))} classes")]
    for ln_base, what in LOG_BASES:
        if _holds(factors, [1 / ln_base] * len(runs)):
            return [diagnosis("wrong-log-base", f"the loss is exactly {what}, at every batch tried")]
    return []


def dlogits_findings(runs, dtype) -> list[dict]:
    """runs: (B, C, probs, y, got, want, call). Signatures that need the probabilities or the
    class count: a gradient equal to probs/B (or probs), and a factor of exactly 1/C."""
    plain = [np.asarray(p, dtype=np.float64) for _, _, p, *_ in runs]
    if all(mismatch(got, p / b, dtype) is None for (b, _, _, _, got, _, _), p in zip(runs, plain)):
        return [diagnosis("one-hot-not-subtracted", "dlogits equals probs/B: each row sums to 1/B instead of 0, "
                                                    "and the labels never enter")]
    if all(mismatch(got, p, dtype) is None for (_, _, _, _, got, _, _), p in zip(runs, plain)):
        return [diagnosis("one-hot-not-subtracted", "dlogits equals probs: each row sums to 1 instead of 0 "
                                                    "(and there is no 1/B either)")]
    class_counts = sorted({r[1] for r in runs})
    if len(class_counts) >= 2 and all(r[0] != r[1] for r in runs):
        found = [mismatch(got, want, dtype) for _, _, _, _, got, want, _ in runs]
        factors = [None if m is None else m.clean_factor for m in found]
        if _holds(factors, [1 / r[1] for r in runs]):
            return [diagnosis("mean-over-B-times-C", "dlogits is exactly 1/C of the expected at C = "
                                                     f"{', '.join(map(str, class_counts))} classes")]
    return []


def show_first_bad(ctx, runs, dtype) -> bool:
    """Point the report at the first run (..., got, want, call) that is off, as
    expect_batch_scaling reports that one; False when none is."""
    for *_, got, want, call in runs:
        if mismatch(got, want, dtype) is not None:
            ctx.last_call = call
            return True
    return False


def expect_dlogits(ctx, runs, dtype) -> None:
    """dlogits right at every run (B, C, probs, y, got, want, call); else the factor
    that follows B (expect_batch_scaling), or another signature, is named."""
    if not show_first_bad(ctx, runs, dtype):
        return
    for found in dlogits_findings(runs, dtype):
        ctx.diagnose(found)
    expect_batch_scaling(ctx, [(b, {"dlogits": got}, {"dlogits": want}) for b, _, _, _, got, want, _ in runs],
                         dtype)


def _probs_of(value):
    """probs from a raw forward result, or None if it is not a plain (loss, [B, C] array)."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[1], np.ndarray) \
            and value[1].shape == (B, C) and value[1].dtype.kind == "f":
        probs = value[1].astype(np.float64)
        return probs if np.isfinite(probs).all() else None
    return None


def rows_coupled_finding(ctx) -> dict | None:
    """Probe: change only row 0 of the logits. A softmax over each row leaves every other
    row's probabilities exactly as they were; if they move, the rows are normalised (or
    shifted) together, across the batch."""
    logits, y = cases.logits(ctx.rng, B, C, np.float64), cases.labels(ctx.rng, B, C)
    changed = logits.copy()
    # Above every column's max by different amounts: each column's sum and max change,
    # so a normalisation or a max taken across the batch cannot hide the change.
    changed[0] = logits.max(axis=0) + ctx.rng.uniform(1.0, 3.0, size=C)
    before = _probs_of(ctx.call("softmax_cross_entropy", logits, y))
    after = _probs_of(ctx.call("softmax_cross_entropy", changed, y))
    if before is None or after is None:
        return None
    moved = float(np.abs(after[1:] - before[1:]).max())
    if moved <= 1e-9:  # row-wise code gives bit-identical rows; wrong-axis code moves them by ~0.1
        return None
    evidence = f"changing only row 0 of the logits moved the probabilities of the other rows (by up to {moved:.2g})"
    if np.abs(before.sum(axis=0) - 1).max() < 1e-9:
        evidence += "; each column of probs sums to 1, not each row"
    elif np.abs(before.sum() - 1) < 1e-9:
        evidence += "; the whole matrix of probs sums to 1, not each row"
    return diagnosis("softmax-wrong-axis", evidence)


# -- loss-head mistakes named from what they compute (grader.checks.signatures) ----------

def loss_head_finding(ctx):
    """Probe, once the loss is already off: a float64 batch with one true class 30 below
    its row's max (probability ~1e-13, exact in float64 for any correct code). The loss of
    the first example alone, or one computed from floored probabilities, shows as exactly
    that value."""
    b, c = 64, 10
    logits, y = cases.logits(ctx.rng, b, c, np.float64), cases.labels(ctx.rng, b, c)
    logits[1, y[1]] = logits[1].max() - 30.0
    value = ctx.call("softmax_cross_entropy", logits, y)
    loss = value[0] if isinstance(value, (tuple, list)) and len(value) == 2 else None
    if not isinstance(loss, (float, np.floating)) and not (isinstance(loss, np.ndarray) and loss.shape == ()):
        return None
    loss, scale = float(loss), float(np.abs(logits).max())
    want = float(signatures.per_example_losses(logits, y).mean())
    first = signatures.first_example_loss(loss, logits, y, np.float64, scale)
    if first:
        return diagnosis("first-example-loss", f"on a batch of {b}, the loss {loss:.10g} is exactly {first} "
                                               f"(the first example's loss); the mean over all {b} is {want:.10g}")
    floor = signatures.log_floor(loss, logits, y, np.float64, scale)
    if floor:
        where = f"of a batch of {b} whose smallest true-class probability is about 1e-13"
        return diagnosis(signatures.floor_id(floor[1]), signatures.floor_evidence(*floor, loss, want, where))
    return None


def diagnose_loss_head(ctx) -> None:
    call = ctx.last_call  # the report shows the failing call, not the probe's
    found = loss_head_finding(ctx)
    ctx.last_call = call
    if found:
        ctx.diagnose(found)


def fail_if_floored(ctx, loss, logits, y, dtype) -> None:
    """log-space-loss: a finite loss that is wrong because the probabilities were floored
    (clipped) before the log fails, as the forward check fails it: the clip changed the
    loss beyond tolerance. Only an inf (log of an exact 0) is left to the warning."""
    kappa = cmp.log_prob_error(dtype, float(np.abs(logits).max()))
    floor = signatures.log_floor(float(loss), logits, y, dtype, extra_atol=kappa)
    if not floor:
        return
    want = float(signatures.per_example_losses(logits, y).mean())
    ctx.fail(f"loss is {float(loss):.6g} where {want:.6g} is exact ({np.dtype(dtype)}, a true class 800 below the "
             "row max): the probabilities were floored before the log",
             ["a clip turns log(0) into a finite but wrong loss; no floor is needed once the loss is computed in log "
              "space: log_probs = shifted - log(sum(exp(shifted)))"],
             diagnoses=[diagnosis(signatures.floor_id(floor[1]), signatures.floor_evidence(
                 *floor, float(loss), want, "of a batch where one true class sits 800 below its row max"))])


def diagnose_jacobian_again(ctx, runs, dtype) -> None:
    """runs as for expect_dlogits. dlogits equal, at every run, to the softmax Jacobian
    applied on top of the fused (probs - onehot)/B."""
    if all(mismatch(got, want, dtype) is not None and mismatch(got, signatures.jacobian_again(probs, y), dtype) is None
           for _, _, probs, y, got, want, _ in runs):
        ctx.diagnose("softmax-jacobian-twice", "dlogits equals probs * (g - sum(g * probs)) with g = (probs - "
                                               "onehot(y))/B at every batch tried: the softmax Jacobian applied "
                                               "to a gradient that already went through it")


# -- the checks ------------------------------------------------------------------------

@check("shapes", "Output shapes and dtypes")
def shapes(ctx):
    for dtype in cases.DTYPES:
        logits, y = cases.logits(ctx.rng, B, C, dtype), cases.labels(ctx.rng, B, C)
        _, probs = learner_forward(ctx, logits, y)
        learner_backward(ctx, probs.astype(dtype), y)


@check("forward", "Loss and probabilities match the reference", hint=2)
def forward(ctx):
    runs = []  # every size first, so a factor can be seen to follow B or C
    for dtype in cases.DTYPES:
        for b, c in ((B, C), (64, 10), (5, 2)):
            logits, y = cases.logits(ctx.rng, b, c, dtype), cases.labels(ctx.rng, b, c)
            loss, probs = learner_forward(ctx, logits, y, lenient=True)  # a broken one: the other judged
            for value, name in ((loss, "loss"), (probs, "probs")):
                if value is not None:
                    expect_finite(ctx, value, name)
            runs.append((b, c, logits, loss, probs, *expected_forward(ctx, logits, y), ctx.last_call))
    scales = [float(np.abs(r[2]).max()) for r in runs]
    bad_loss = [r[3] is not None and mismatch(r[3], r[5], r[2].dtype, s) is not None for r, s in zip(runs, scales)]
    bad_probs = [r[4] is not None and mismatch(r[4], r[6], r[2].dtype, s) is not None for r, s in zip(runs, scales)]
    if not any(bad_loss) and not any(bad_probs):
        return
    if any(bad_loss):
        for found in loss_factor_findings([(b, c, loss, want) for b, c, _, loss, _, want, _, _ in runs
                                           if loss is not None]):
            ctx.diagnose(found)
        diagnose_loss_head(ctx)
    if any(bad_probs):
        found = rows_coupled_finding(ctx)
        if found:
            ctx.diagnose(found)
    for (b, c, logits, loss, probs, want_loss, want_probs, call), scale in zip(runs, scales):
        ctx.last_call = call  # the report shows the call that went wrong, not the probe's
        if loss is not None:
            expect_close(ctx, loss, want_loss, "loss", logits.dtype, scale=scale, named={"B": b, "C": c})
        if probs is not None:
            expect_close(ctx, probs, want_probs, "probs", logits.dtype, scale=scale)


@check("backward", "dlogits matches the reference", hint=3)
def backward(ctx):
    for dtype in cases.DTYPES:
        runs = []  # two batch sizes and two class counts: a factor of B or 1/C shows as one
        for b, c in ((B, C), (64, 10)):
            logits, y = cases.logits(ctx.rng, b, c, dtype), cases.labels(ctx.rng, b, c)
            probs = expected_forward(ctx, logits, y)[1].astype(dtype)
            got = learner_backward(ctx, probs, y)
            want = ctx.ref.softmax_cross_entropy_backward(probs.astype(np.float64), y)
            runs.append((b, c, probs, y, got, want, ctx.last_call))
        diagnose_jacobian_again(ctx, runs, dtype)
        expect_dlogits(ctx, runs, dtype)


@check("batch-mean", "The loss is a mean over the batch: 1/B appears exactly once", hint=3)
def batch_mean(ctx):
    # Two batch sizes, each also with every example duplicated (B -> 2B): a mean loss
    # does not change, each row's gradient halves. A factor that follows B at all four
    # sizes is a 1/B mistake, not a constant; the class count changes too, to tell 1/C.
    losses, grads = [], []
    for b, c in ((6, 5), (11, 3)):
        logits, y = cases.logits(ctx.rng, b, c, np.float64), cases.labels(ctx.rng, b, c)
        want_loss, want_probs = expected_forward(ctx, logits, y)
        logits2, y2 = cases.duplicate(logits, y)
        probs2 = np.concatenate([want_probs, want_probs])
        for size, lg, labels, probs in ((b, logits, y, want_probs), (2 * b, logits2, y2, probs2)):
            loss, _ = learner_forward(ctx, lg, labels)
            losses.append((size, c, loss, want_loss, ctx.last_call))
            dlogits = learner_backward(ctx, probs, labels)
            grads.append((size, c, probs, labels, dlogits, ctx.ref.softmax_cross_entropy_backward(probs, labels),
                          ctx.last_call))
    if show_first_bad(ctx, losses, np.float64):
        for found in loss_factor_findings([run[:4] for run in losses]):
            ctx.diagnose(found)
        diagnose_loss_head(ctx)
        expect_batch_scaling(ctx, [(b, {"loss": got}, {"loss": want}) for b, _, got, want, _ in losses],
                             np.float64, what="loss")
    diagnose_jacobian_again(ctx, grads, np.float64)
    expect_dlogits(ctx, grads, np.float64)


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
        # The same batch three ways: as is, shifted by one large offset, and with rows at
        # offsets far apart. A softmax cannot tell the three apart, so when the first is
        # exact, NaN/inf in the second can only be overflow (no max subtracted). In the
        # third, one global max is named only from its own signature: the rows far
        # below the batch's max are broken and the rows near it are exact.
        base, y = cases.logits(ctx.rng, B, C, np.float64), cases.labels(ctx.rng, B, C)
        compare_forward(ctx, base.astype(dtype), y)
        offset = ctx.rng.uniform(1e3, 1e4)
        compare_forward(ctx, (base + offset).astype(dtype), y,
                        [f"every logit shifted by {offset:.0f} ({np.dtype(dtype)})"],
                        non_finite=("no-max-subtraction",
                                    f"exact on ordinary logits, but NaN/inf once {offset:.0f} is added to every "
                                    f"logit ({np.dtype(dtype)}), which leaves a softmax unchanged",
                                    "exp overflows to inf (then inf/inf = NaN) unless the max is subtracted "
                                    "before exp"))
        offsets = ctx.rng.uniform(-1e4, 1e4, size=(B, 1))
        offsets[0], offsets[1] = 1e4, -1e4
        spread = (base + offsets).astype(dtype)
        compare_forward(ctx, spread, y, [f"rows at offsets from -1e4 to +1e4 ({np.dtype(dtype)})"],
                        probe=shared_max_probe(spread))
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
        want, want_probs = expected_forward(ctx, logits, y)
        # probs must survive the extreme entry: then a lost loss can only be the log of an
        # underflowed probability (an overflow elsewhere would have broken probs too).
        expect_finite(ctx, probs, "probs")
        kappa = cmp.log_prob_error(dtype, float(np.abs(logits).max()))
        expect_close(ctx, probs, want_probs, "probs", dtype, extra_rtol=kappa,
                     details=["one true class sits 800 below its row max; every other entry is ordinary"])
        evidence = (f"exact on the batch as drawn, but {loss:.6g} instead of {want:.6g} once one true class sits 800 "
                    f"below its row max ({np.dtype(dtype)}), where its probability underflows to 0")
        if np.isnan(loss):
            ctx.fail("loss is NaN when one true-class probability underflows to 0",
                     ["compute the loss in log space: log_probs = shifted - log(sum(exp(shifted)))"],
                     diagnoses=[diagnosis("log-of-probs", evidence)])
        fail_if_floored(ctx, loss, logits, y, dtype)
        rtol, atol = cmp.tolerances(dtype, abs(want))
        if not np.isfinite(loss) or abs(loss - want) > atol + kappa + rtol * abs(want):
            ctx.warn(f"loss is {loss:.6g} where {want:.6g} is exact ({np.dtype(dtype)}, a true class 800 below "
                     "the row max)",
                     ["-log(probs[y]) is inf (or clipped) once probs[y] underflows; compute the loss in log space: "
                      "log_probs = shifted - log(sum(exp(shifted))) (log-sum-exp)"],
                     diagnoses=[diagnosis("log-of-probs", evidence)])
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
