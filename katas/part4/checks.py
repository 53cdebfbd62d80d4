"""Hidden checks for part4: mlp_forward and mlp_backward."""
import numpy as np

from grader.checks import (cases, cmp, check, CheckFailed, diagnosis, expect_batch_scaling, expect_close,
                           expect_finite, expect_finite_differences, expect_grads, expect_repeatable,
                           expect_scalar, expect_tuple, matches, Ref, same, shared_max_finding)
from grader.checks import signatures


GRAD_NAMES = ("W1", "b1", "W2", "b2", "X")
# In interview terms, in the order the backward pass computes them.
D_NAMES = {"W2": "dW2", "b2": "db2", "W1": "dW1", "b1": "db1", "X": "dX"}


def grad_shapes(X, params):
    return {**{k: params[k].shape for k in ("W1", "b1", "W2", "b2")}, "X": X.shape}


def learner_forward(ctx, X, y, params):
    value, handle = ctx.call("mlp_forward", X, y, params, keep=True)
    loss, _ = expect_tuple(ctx, value, 2, "mlp_forward")
    return expect_scalar(ctx, loss, "loss", X.dtype), Ref(handle, (1,))


def learner_grads(ctx, X, y, params):
    loss, cache = learner_forward(ctx, X, y, params)
    grads = ctx.call("mlp_backward", cache)
    if isinstance(grads, dict) and "X" not in grads and all(k in grads for k in ("W1", "b1", "W2", "b2")):
        others = [repr(k) for k in grads if k not in ("W1", "b1", "W2", "b2")]
        ctx.diagnose("no-x-grad", "grads has W1, b1, W2 and b2 but no X" +
                     (f" (other keys: {', '.join(others[:3])})" if others else ""))
    grads = expect_grads(ctx, grads, grad_shapes(X, params), X.dtype)
    return loss, grads, cache


def expected(ctx, X, y, params):
    X64, p64 = np.asarray(X, np.float64), cases.f64(params)
    loss, cache = ctx.ref.mlp_forward(X64, y, p64)
    return float(loss), ctx.ref.mlp_backward(cache)


def compare_grads(ctx, got, want, dtype, named):
    for name in judged(got):
        expect_close(ctx, got[name], want[name], f"grads[{name!r}]", dtype, named=named)


def judged(got) -> list[str]:
    """The gradients that can be compared: those not set aside as broken (expect_grads)."""
    return [name for name in GRAD_NAMES if name in got]


def sized_cases(ctx, dtype):
    yield cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL)
    yield cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.INTERVIEW)


# -- recognising mistakes -----------------------------------------------------------


def variant_backward(X, y, params, onehot=True, mask="Z1 > 0") -> dict:
    """The gradients a known mistake produces, computed here in float64."""
    X, p = np.asarray(X, np.float64), cases.f64(params)
    B = len(y)
    Z1 = X @ p["W1"] + p["b1"]
    H1 = np.maximum(Z1, 0)
    Z2 = H1 @ p["W2"] + p["b2"]
    e = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    dZ2 = e / e.sum(axis=1, keepdims=True)
    if onehot:
        dZ2[np.arange(B), y] -= 1
    dZ2 /= B
    dH1 = dZ2 @ p["W2"].T
    dZ1 = dH1 * {"Z1 > 0": Z1 > 0, "none": 1.0, "dH1 > 0": dH1 > 0}[mask]
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
            "X": dZ1 @ p["W1"].T}


RELU_MASKS = {
    "none": "the gradient with no ReLU mask at all: it passes through every hidden unit, "
            "also where Z1 < 0 (a mask from H1 >= 0, or from a Z1 overwritten by an in-place ReLU, is all ones)",
    "dH1 > 0": "the gradient masked by dH1 > 0: the mask follows the sign of the upstream "
               "gradient instead of Z1",
}


def recognise(ctx, X, y, params, got, want, dtype) -> None:
    """Name a head or ReLU mistake when the learner's gradients are exactly what it gives."""
    B = len(y)
    head = variant_backward(X, y, params, onehot=False)
    if "b2" in got and not matches(got["b2"], want["b2"], dtype) \
            and any(matches(got["b2"], f * head["b2"], dtype) for f in (1, B)):
        ctx.diagnose("one-hot-not-subtracted",
                     f"db2 sums to {float(np.sum(got['b2'])):.4g} over the classes, where a correct head gives 0: "
                     "dZ2 is probs/B, without the one-hot")
    lower = [n for n in ("W1", "b1", "X") if n in got]
    if not lower or all(matches(got[n], want[n], dtype) for n in lower):
        return
    # A 1/B dropped or doubled at the head scales these too: the mask is still its own bug.
    for mask, evidence in RELU_MASKS.items():
        wrong = variant_backward(X, y, params, mask=mask)
        for f in (1, B, 1 / B):
            if all(matches(got[n], f * wrong[n], dtype) for n in lower):
                shown = [D_NAMES[n] for n in lower]
                subject = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
                ctx.diagnose("relu-grad-where-negative", f"{subject} equal{'s' if len(shown) == 1 else ''} "
                                                         + evidence + ("" if f == 1 else
                             f" (times {'B' if f == B else '1/B'}, a separate 1/B mistake)"))
                return


def where_it_entered(kind: str, carrying, correct=None) -> str | None:
    """Where in the backward pass a factor of B (or 1/B) that only some gradients
    carry came in: they are the ones computed after that point. Said only when every
    gradient that does not carry it is right (`correct`): a gradient wrong in some
    other way may hide the factor, and then where it entered cannot be told."""
    s = set(carrying)
    if correct is not None and s | set(correct) != set(D_NAMES.values()):
        return None
    factor = "The extra 1/B" if kind == "1/B" else "The factor B (a missing 1/B)"
    places = [
        ({"dW1", "db1", "dW2", "db2", "dX"},
         "Where: at the loss head. dZ2 lacks the 1/B of the mean, and the chain rule carries B× into every "
         "gradient" if kind == "B" else
         "Where: at the loss head. dZ2 is divided by B twice, and the chain rule carries the extra 1/B into "
         "every gradient"),
        ({"dW2", "db2"}, f"Where: at the second linear layer. {factor} is in dW2 and db2 only; dH1 = dZ2·W2ᵀ and "
                         "everything below it are right, so dZ2 itself is right"),
        ({"dW1", "db1", "dX"}, f"Where: between dH1 and the first linear layer (dH1 or dZ1, the ReLU step). "
                               f"{factor} is in dW1, db1 and dX, all computed from dZ1; dW2 and db2 are right"),
        ({"dW1", "db1"}, f"Where: at the first linear layer. {factor} is in dW1 and db1 only; dX, from the same "
                         "dZ1, is right"),
        ({"dW1", "db1", "dW2", "db2"}, f"Where: in the dW and db of both linear layers (a shared helper?). "
                                       f"{factor} is in dW1, db1, dW2 and db2; dX is right"),
        ({"dX"}, f"Where: at dX = dZ1·W1ᵀ. {factor} is in dX only"),
        ({"db2"}, "Where: db2 is the mean of dZ2 over the batch, where a sum belongs"),
        ({"db1"}, "Where: db1 is the mean of dZ1 over the batch, where a sum belongs"),
        ({"db1", "db2"}, "Where: db1 and db2 are means over the batch, where sums belong"),
    ]
    for tensors, text in places:
        if s == tensors:
            return text
    return None


def expect_gradient_scaling(ctx, runs) -> None:
    """expect_batch_scaling over the gradients, with where the factor entered added."""
    try:
        expect_batch_scaling(ctx, runs, np.float64, biases=("db1", "db2"))
    except CheckFailed as failure:
        for found in failure.diagnoses:
            if found.id not in ("missing-1-over-B", "extra-1-over-B", "bias-averaged"):
                continue
            carrying, correct = found.extra.get("tensors", ()), found.extra.get("correct", ())
            where = where_it_entered("B" if found.id == "missing-1-over-B" else "1/B", carrying, correct)
            others = [n for n in D_NAMES.values() if n not in carrying and n not in correct]
            if where:
                found.evidence = f"{found.evidence}. {where}"
            elif others:
                found.evidence = (f"{found.evidence}; {', '.join(others)} {'is' if len(others) == 1 else 'are'} "
                                  "wrong in another way (or could not be compared), so where the factor entered "
                                  "cannot be told from these gradients")
            break
        raise


# -- loss-head mistakes named from what they compute (grader.checks.signatures) ---------

def diagnose_loss_head(ctx, X, y, params, loss, dtype) -> None:
    """A loss that is off and equals, to the logits' rounding, the first example's loss
    (loss[0] / B), or the loss from probabilities floored before the log (a clip)."""
    logits, scale = logits_of(X, params), logit_scale(X, params)
    kappa = cmp.log_prob_error(dtype, scale)
    want = float(signatures.per_example_losses(logits, y).mean())
    first = signatures.first_example_loss(float(loss), logits, y, dtype, scale, kappa)
    if first:
        ctx.diagnose("first-example-loss", f"at B = {len(y)} the loss {float(loss):.10g} is exactly {first} (the "
                                           f"first example's loss); the mean over all {len(y)} is {want:.10g}")
        return
    floor = signatures.log_floor(float(loss), logits, y, dtype, scale, kappa)
    if floor:
        p_min = float(signatures.softmax64(logits)[np.arange(len(y)), y].min())
        where = f"at B = {len(y)} (the smallest of them is {p_min:.3g})"
        ctx.diagnose(signatures.floor_id(floor[1]), signatures.floor_evidence(*floor, float(loss), want, where))


def fail_if_floored(ctx, X, y, params, loss, dtype) -> None:
    """log-space-loss: a finite loss made wrong by a floor under the log fails, as it does
    in the forward check; only an inf (log of an exact 0) is left to the warning."""
    logits, scale = logits_of(X, params), logit_scale(X, params)
    floor = signatures.log_floor(float(loss), logits, y, dtype, scale, cmp.log_prob_error(dtype, scale))
    if not floor:
        return
    want = float(signatures.per_example_losses(logits, y).mean())
    ctx.fail(f"loss is {float(loss):.6g} where {want:.6g} is exact ({np.dtype(dtype)}, a true class 800 below the "
             "others): the probabilities were floored before the log",
             ["a clip turns log(0) into a finite but wrong loss; no floor is needed once the loss is computed in log "
              "space (log-sum-exp)"],
             diagnoses=[diagnosis(signatures.floor_id(floor[1]), signatures.floor_evidence(
                 *floor, float(loss), want, "where probs[0, y[0]] underflows to 0"))])


def head_jacobian_backward(X, y, params) -> dict:
    """The gradients when dZ2 is the softmax Jacobian applied to (probs - onehot)/B."""
    X, p = np.asarray(X, np.float64), cases.f64(params)
    Z1 = X @ p["W1"] + p["b1"]
    H1 = np.maximum(Z1, 0)
    dZ2 = signatures.jacobian_again(signatures.softmax64(H1 @ p["W2"] + p["b2"]), y)
    dZ1 = (dZ2 @ p["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0), "X": dZ1 @ p["W1"].T}


def diagnose_jacobian_again(ctx, X, y, params, got, want, dtype) -> None:
    if matches(got["W2"], want["W2"], dtype):
        return
    wrong = head_jacobian_backward(X, y, params)
    if all(matches(got[n], wrong[n], dtype) for n in GRAD_NAMES):
        ctx.diagnose("softmax-jacobian-twice", "every gradient equals the one from dZ2 = probs * (g - sum(g * probs)) "
                                               "with g = (probs - onehot(y))/B: the softmax Jacobian applied to a "
                                               "gradient that already went through it")


# -- the checks -----------------------------------------------------------------------

@check("shapes", "Loss is a scalar; every gradient has its tensor's shape and dtype", hint=2)
def shapes(ctx):
    for dtype in cases.DTYPES:
        learner_grads(ctx, *cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL))


@check("forward", "The loss matches the reference", hint=1)
def forward(ctx):
    for dtype in cases.DTYPES:
        for X, y, params in sized_cases(ctx, dtype):
            loss, _ = learner_forward(ctx, X, y, params)
            want, _ = expected(ctx, X, y, params)
            diagnose_loss_head(ctx, X, y, params, loss, dtype)
            expect_close(ctx, loss, want, "loss", dtype, named={"B": len(y)})


@check("gradients", "All five gradients match the reference", hint=2)
def gradients(ctx):
    for dtype in cases.DTYPES:
        for X, y, params in sized_cases(ctx, dtype):
            _, got, _ = learner_grads(ctx, X, y, params)
            want = expected(ctx, X, y, params)[1]
            recognise(ctx, X, y, params, got, want, dtype)
            diagnose_jacobian_again(ctx, X, y, params, got, want, dtype)
            compare_grads(ctx, got, want, dtype, {"B": len(y)})


@check("batch-mean", "1/B enters once: the loss and gradients follow the mean over the batch", hint=4)
def batch_mean(ctx):
    # Two batch sizes, and each batch with every example given twice (B -> 2B): the
    # mean loss and the parameter gradients do not change, each row of dX halves. A
    # factor that follows B at all four sizes is a 1/B dropped or applied again, and
    # which gradients carry it says where in the backward pass it came in.
    loss_runs, grad_runs = [], []
    for B in (6, 11):
        X, y, params = cases.mlp_inputs(ctx.rng, B, 5, 8, 3, np.float64)
        for Xb, yb in ((X, y), cases.duplicate(X, y)):
            want_loss, want = expected(ctx, Xb, yb, params)
            loss, got, _ = learner_grads(ctx, Xb, yb, params)
            if len(yb) == B:
                recognise(ctx, Xb, yb, params, got, want, np.float64)
            loss_runs.append((len(yb), {"loss": loss}, {"loss": want_loss}))
            grad_runs.append((len(yb), {d: got[k] for k, d in D_NAMES.items() if k in got},
                              {d: want[k] for k, d in D_NAMES.items()}))
    try:
        expect_batch_scaling(ctx, loss_runs, np.float64, what="loss")
    except CheckFailed as failure:
        try:  # a wrong loss and wrong gradients are two findings: report both
            expect_gradient_scaling(ctx, grad_runs)
        except CheckFailed as also:
            failure.diagnoses += [d for d in also.diagnoses if d.id not in ("wrong-shape", "non-finite")]
        raise failure
    expect_gradient_scaling(ctx, grad_runs)
    ctx.note("the loss and every gradient follow the batch mean at B = 6, 11 and with the batch duplicated")


@check("dead-unit", "A hidden unit that is off for every example gets exactly zero gradient", hint=2)
def dead_unit(ctx):
    B, D, H, C = 11, 5, 8, 3
    X, y, params = cases.mlp_inputs(ctx.rng, B, D, H, C, np.float64)
    # |X·W1| <= D·2·1 = 10 on the input grid, so b1 = -16 - 2**-10 keeps these units'
    # pre-activations below -6 for every example (and still exact in any dtype).
    dead = sorted(int(j) for j in ctx.rng.choice(H, size=2, replace=False))
    params["b1"][dead] = -(16 + 2.0 ** -10)
    loss, got, _ = learner_grads(ctx, X, y, params)
    want_loss, want = expected(ctx, X, y, params)
    if "W1" not in got and "b1" not in got:
        ctx.needs("grads['W1']", "grads['b1']")
    # Either of W1 and b1 shows a leaking unit: judge the one that is not set aside.
    for key in ("W1", "b1"):
        if key in got:
            expect_finite(ctx, got[key], f"grads[{key!r}]")
    leaking = []
    for j in dead:
        for name, value, scale in ((f"grads['W1'][:, {j}]", got.get("W1"), want["W1"]),
                                   (f"grads['b1'][{j}]", got.get("b1"), want["b1"])):
            if value is None:
                continue
            value = value[:, j] if value.ndim == 2 else value[j]
            _, atol = cmp.tolerances(np.float64, float(np.abs(scale).max()))
            if np.max(np.abs(value)) > atol:
                leaking.append((j, name, float(np.max(np.abs(value)))))
    if not leaking:
        ctx.note(f"hidden units {dead[0]} and {dead[1]} are off for every example: their incoming weights and bias "
                 "get exactly zero gradient")
        return
    j, name, size = leaking[0]
    units = sorted({u for u, _, _ in leaking})
    message = (f"hidden unit{'s' if len(units) > 1 else ''} {' and '.join(map(str, units))} "
               f"{'are' if len(units) > 1 else 'is'} off (Z1 < 0) for every example, yet {name} is not zero "
               f"(largest |entry| {size:.3g})")
    details = ["a unit that never fires passes nothing forward, so nothing flows back through it: dZ1 must be 0 "
               "wherever Z1 < 0, and the mask has to come from Z1 (Z1 > 0), not from H1 >= 0 or from dH1"]
    if not matches(loss, want_loss, np.float64):
        # Another forward pass may see another Z1; the mask cannot be judged on its own.
        ctx.fail(message, details + [f"your loss on these inputs is {loss:.6g}, expected {want_loss:.6g}: "
                                     "fix the forward pass first"])
    recognise(ctx, X, y, params, got, want, np.float64)
    if any(d.id == "relu-grad-where-negative" for d in ctx.findings):
        ctx.fail(message, details)   # that mask mistake is the whole story: one bug, named once
    ctx.fail(message, details, diagnoses=[diagnosis(
        "dead-unit-gradient", f"hidden unit {j}: Z1 < 0 for all {B} examples, but {name} reaches {size:.3g}")])


@check("finite-differences", "Each gradient agrees with finite differences of your mlp_forward", hint=2)
def finite_differences(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, grads, _ = learner_grads(ctx, X, y, params)
    point = {**params, "X": X}
    # A known head or mask mistake disagrees with finite differences too: say which one.
    recognise(ctx, X, y, params, grads, expected(ctx, X, y, params)[1], np.float64)

    def loss_at(p):
        return learner_forward(ctx, p["X"], y, {k: p[k] for k in ("W1", "b1", "W2", "b2")})[0]

    expect_finite_differences(ctx, loss_at, grads, point, label=lambda n: f"grads[{n!r}]", named={"B": len(y)})


def logits_of(X, params) -> np.ndarray:
    p = cases.f64(params)
    return np.maximum(np.asarray(X, np.float64) @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]


def logit_scale(X, params) -> float:
    """The size of the terms the logits are made of, max of |H1|·|W2| + |b2|: the
    magnitude at which a correct forward pass rounds them (>= max |Z2|)."""
    p = cases.f64(params)
    H1 = np.maximum(np.asarray(X, np.float64) @ p["W1"] + p["b1"], 0)
    return float((H1 @ np.abs(p["W2"]) + np.abs(p["b2"])).max())


def sensitivity(X, y, params) -> dict:
    """How far each gradient entry can move when every probability moves by a relative
    error of at most 1 (|dp| <= p), to first order: the worst case of the linear map
    dp -> gradient over that box, entry by entry. Times kappa (cmp.log_prob_error) it
    bounds what rounding the log-softmax at the logits' magnitude does to a correct
    backward pass. It follows the conditioning, not the gradients' size: with a large
    column shared by all of W2, dH1 = dZ2·W2ᵀ is small only because each row of dZ2
    sums to 0, and a log-sum-exp that rounds at magnitude A breaks that sum by ~eps·A."""
    X, p = np.asarray(X, np.float64), cases.f64(params)
    B = len(y)
    Z1 = X @ p["W1"] + p["b1"]
    mask = (Z1 > 0).astype(np.float64)
    H1 = Z1 * mask
    Z2 = H1 @ p["W2"] + p["b2"]
    e = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)  # dZ2 moves by dp / B, with |dp| <= P
    reach = mask * (P @ np.abs(p["W2"]).T)  # [B, H]: the worst |d dZ1| times B
    # dX[i, d] = sum_c dp[i, c] · (sum_h W1[d, h] mask[i, h] W2[h, c]) / B
    through = np.einsum("dh,ih,hc->icd", p["W1"], mask, p["W2"])
    return {"W2": np.abs(H1).T @ P / B, "b2": P.sum(axis=0) / B, "W1": np.abs(X).T @ reach / B,
            "b1": reach.sum(axis=0) / B, "X": np.einsum("ic,icd->id", P, np.abs(through)) / B}


def expect_all_finite(ctx, loss, grads, note):
    expect_finite(ctx, loss, "loss", note)
    for name in judged(grads):
        expect_finite(ctx, grads[name], f"grads[{name!r}]", note)


def all_finite(loss, grads) -> bool:
    return bool(np.isfinite(loss) and all(np.isfinite(grads[n]).all() for n in judged(grads)))


def shared_max_probe(ctx, X, y, params, got, want, dtype) -> bool:
    """Record global-max when its own signature holds: the rows of dX (each example's
    own) that are broken are exactly those far below the batch's largest logit."""
    if "X" not in got:
        return False
    reach = sensitivity(X, y, params)["X"].max(axis=1)  # per row: a 100% error in probs
    dX = np.asarray(got["X"], np.float64)
    with np.errstate(invalid="ignore"):
        err = np.where(np.isfinite(dX), np.abs(dX - want["X"]), np.inf).max(axis=1)
    bad = err > 0.1 * reach  # a tenth of a wrong softmax; rounding costs kappa ~1e-3 of it
    evidence = shared_max_finding(logits_of(X, params).max(axis=1), bad, dtype, visible=reach > 0)
    if evidence:
        ctx.diagnose("global-max", evidence)
    return evidence is not None


def expect_exact_at_scale(ctx, X, y, params, dtype, note, probe=None, shared_max=False, baseline=None):
    """Finite, and equal to the reference within the rounding that logits of this size
    force on any correct result. `probe`: (id, evidence, advice) for a non-finite result,
    when only that mistake explains it. `shared_max`: look for one global max.
    `baseline`: the learner's (loss, grads) on the same inputs with ordinary logits,
    which softmax cannot tell from these. When it is wrong only below the head (the
    loss, dW2 and db2 right: a mask bug, say, that the gradients check names), this is
    judged against it instead, so a softmax mistake is still seen under the other bug.
    (A wrong head is not invariant: dZ2·W2ᵀ ignores a column shared by W2 only when
    each row of dZ2 sums to 0.)"""
    loss, got, _ = learner_grads(ctx, X, y, params)
    want_loss, want = expected(ctx, X, y, params)
    note = list(note)
    if baseline is not None and not agrees(*baseline, want_loss, want, dtype) \
            and agrees(baseline[0], {k: v for k, v in baseline[1].items() if k in ("W2", "b2")}, want_loss, want,
                       dtype) and all(k in baseline[1] for k in ("W2", "b2")):
        want_loss, want = baseline[0], {**want, **baseline[1]}
        note.append("compared with your own result on these inputs with ordinary logits (softmax cannot tell them "
                    "apart), because that result already differs from the reference")
        if not any("ordinary logits" in n for n in ctx.notes):
            ctx.note("judged against your own results on ordinary logits, which differ from the reference "
                     "(the other checks say how)")
    if shared_max and shared_max_probe(ctx, X, y, params, got, want, dtype):
        note.append("subtract each row's own max (axis=1, keepdims=True), not one global max")
    elif probe and not all_finite(loss, got):
        id, evidence, advice = probe
        with ctx.explains_failure(id, evidence):
            expect_all_finite(ctx, loss, got, note + [advice])
    expect_all_finite(ctx, loss, got, note)
    # A log-softmax of logits made of terms up to A is good to kappa = 4·eps·A in every
    # log-probability (cmp.log_prob_error): the loss, a mean of them, to kappa; each
    # gradient entry to kappa times its sensitivity to the probabilities, plus the
    # dtype's usual rounding of the backward pass itself. Per tensor, the worst entry.
    kappa = cmp.log_prob_error(dtype, logit_scale(X, params))
    sens = sensitivity(X, y, params)
    expect_close(ctx, loss, want_loss, "loss", dtype, details=note, extra_atol=kappa)
    for name in judged(got):
        expect_close(ctx, got[name], want[name], f"grads[{name!r}]", dtype, named={"B": len(y)}, details=note,
                     extra_atol=kappa * float(sens[name].max()))


def agrees(loss, got, want_loss, want, dtype) -> bool:
    return matches(loss, want_loss, dtype) and all(matches(got[n], want[n], dtype) for n in judged(got))


def cast(X, params, dtype):
    return X.astype(dtype), {k: v.astype(dtype) for k, v in params.items()}


@check("stability", "Large logits, and rows at very different offsets, give finite, exact results", hint=3)
def stability(ctx):
    for dtype in cases.DTYPES:
        # Every logit near 2000, with the usual moderate spread inside a row: overflow
        # unless the max is subtracted. Softmax ignores a shift of a whole row, so once the
        # same inputs without the shift give finite results, NaN/inf here is exp overflowing.
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
        ordinary = ["ordinary logits (a few units in size)"]
        params["b2"] = params["b2"] + 2000.0
        Xd, pd = cast(X, params, dtype)
        # The same inputs 2000 lower: fl(b2 + 2000) - 2000 is exact, so the logits differ by exactly 2000.
        lowered = {**pd, "b2": pd["b2"] - np.asarray(2000, dtype)}
        loss, got, _ = learner_grads(ctx, Xd, y, lowered)
        expect_all_finite(ctx, loss, got, ordinary)
        # Wrong already on ordinary logits by a known head or mask mistake: that is what breaks
        # this check too, not the size of the logits.
        recognise(ctx, Xd, y, lowered, got, expected(ctx, Xd, y, lowered)[1], dtype)
        expect_exact_at_scale(ctx, Xd, y, pd, dtype, [f"every logit near 2000 ({np.dtype(dtype)})"],
                              baseline=(loss, got),
                              probe=("no-max-subtraction", f"finite on ordinary logits, NaN or inf once every logit "
                                                           f"is shifted by +2000 ({np.dtype(dtype)}), a shift that "
                                                           "leaves softmax unchanged: exp overflowed",
                                     "subtract the max before exp"))
        # A shared column in W2 shifts each row by its own H1·v: rows thousands apart.
        # Reached only when every logit near 2000 was handled exactly, so a max is
        # subtracted; one max for the whole batch is named only from its signature
        # (the examples far below the batch's largest logit broken, those near it exact).
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
        Xd, pd = cast(X, params, dtype)
        before = learner_grads(ctx, Xd, y, pd)[:2]  # the shared column below leaves softmax unchanged
        params["W2"] = params["W2"] + 500.0 * ctx.rng.standard_normal((params["W2"].shape[0], 1))
        Xd, pd = cast(X, params, dtype)
        spread = np.ptp(logits_of(Xd, pd).max(axis=1))
        expect_exact_at_scale(ctx, Xd, y, pd, dtype, [f"row maxima {spread:.0f} apart ({np.dtype(dtype)})"],
                              shared_max=True, baseline=before)
    ctx.note("finite and exact with logits in the thousands and rows far apart")


@check("log-space-loss", "The loss stays exact when a true-class probability underflows", hint=3)
def log_space_loss(ctx):
    for dtype in cases.DTYPES:
        X, y, params = cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL)
        loss, _ = learner_forward(ctx, X, y, params)
        expect_close(ctx, loss, expected(ctx, X, y, params)[0], "loss", dtype, named={"B": len(y)})
        # Class y[0] pushed 800 below the rest: its probability underflows, its loss is ~800.
        # The loss was exact just above, so only the underflow can explain a change.
        params = {**params, "b2": params["b2"].copy()}
        params["b2"][y[0]] -= 800
        loss, _ = learner_forward(ctx, X, y, params)
        want, _ = expected(ctx, X, y, params)
        if np.isnan(loss):
            ctx.fail("loss is NaN when a true-class probability underflows to 0",
                     ["compute the loss in log space: log_probs = shifted - log(sum(exp(shifted)))"],
                     diagnoses=[diagnosis("log-of-probs", f"exact on ordinary logits; NaN once probs[0, y[0]] "
                                                          f"underflows to 0 ({np.dtype(dtype)}), as 0·log(0) gives")])
        fail_if_floored(ctx, X, y, params, loss, dtype)
        rtol, atol = cmp.tolerances(dtype, abs(want))
        kappa = cmp.log_prob_error(dtype, logit_scale(X, params))
        if not np.isfinite(loss) or abs(loss - want) > atol + kappa + rtol * abs(want):
            ctx.warn(f"loss is {loss:.6g} where {want:.6g} is exact ({np.dtype(dtype)}, a true class 800 below "
                     "the others)",
                     ["-log(probs[y]) is inf (or clipped) once probs[y] underflows; compute the loss in log space "
                      "(log-sum-exp)"],
                     diagnoses=[diagnosis("log-of-probs", f"exact on ordinary logits; {loss:.6g} instead of "
                                                          f"{want:.6g} once probs[0, y[0]] underflows to 0 "
                                                          f"({np.dtype(dtype)})")])
            return
    ctx.note("loss computed in log space")


@check("repeatable", "Inputs and cache unmodified, and a second call gives the same answer", hint=1)
def repeatable(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, cache = learner_forward(ctx, X, y, params)
    expect_repeatable(ctx, "mlp_forward", X, y, params)
    first = ctx.call("mlp_backward", cache)
    second = ctx.call("mlp_backward", cache)
    if not same(first, second):
        # Is the change in the cache? A fresh one from mlp_forward must give the first answer again.
        _, fresh = learner_forward(ctx, X, y, params)
        if same(first, ctx.call("mlp_backward", fresh)):
            found = diagnosis("input-mutated", "a second mlp_backward from the same cache differs, while a fresh "
                                               "cache from mlp_forward gives the first answer again: mlp_backward "
                                               "changed the cache it was given",
                              function="mlp_backward", argument="cache", call_number=1)
        else:
            found = diagnosis("not-repeatable", "mlp_backward returned something different the second time")
        ctx.fail("calling mlp_backward twice with the same cache gave different results",
                 ["mlp_backward changed its cache (an in-place op on probs or Z1?), or keeps state between calls; "
                  "copy before modifying anything it reads"], diagnoses=[found])
    ctx.note("inputs and cache unchanged; repeat calls agree")


CHECKS = [shapes, forward, gradients, batch_mean, dead_unit, finite_differences, stability, log_space_loss,
          repeatable]
