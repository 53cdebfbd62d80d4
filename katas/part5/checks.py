"""Hidden checks for part5: the same MLP with PyTorch autograd, checked against NumPy.

The expected values come from part4's NumPy reference, so this kata is exactly
the interview's last step: show that autograd and the manual backward agree.
torch is imported only in the learner's process; the grader compares NumPy copies.

Diagnoses are named only from exact signatures: a result that equals, to the
dtype's tolerance, what one specific mistake computes (a double softmax, a
factor of B at two batch sizes, the previous call's gradient plus this one),
or a verdict that only that mistake explains (gradients_match probes).
"""
import numpy as np

from grader.checks import (cases, cmp, AsTensor, check, CheckFailed, diagnosis, expect_batch_scaling,
                           expect_close, expect_finite_differences, expect_grads, matches, TensorInfo, type_name)
from grader.checks import signatures


GRAD_NAMES = ("W1", "b1", "W2", "b2", "X")
PARAM_NAMES = ("W1", "b1", "W2", "b2")
# Sizes used by no other check, so leaves a learner caches by shape start fresh here
# and accumulation shows as exactly 1x, 2x, 3x the gradient.
REPEAT_SIZES = dict(B=9, D=3, H=7, C=5)

FROM_NUMPY_ADVICE = ("torch.from_numpy(a) and t.numpy() share memory with a: an in-place op on the tensor "
                     "(W -= lr * W.grad, .add_(), .zero_()) writes into the caller's array; torch.tensor(a) copies")


# Reference modules these checks import (loaded before any learner code runs).
REFERENCES = ["part4_mlp_backward.py"]


def label(name: str) -> str:
    return f"grads[{name!r}]"


# -- the reference, and what known mistakes compute (NumPy, float64) --------------------

def numpy_reference(ctx):
    return ctx.reference_file("part4_mlp_backward.py")


def expected(ctx, X, y, params):
    ref = numpy_reference(ctx)
    loss, cache = ref.mlp_forward(np.asarray(X, np.float64), y, cases.f64(params))
    return float(loss), ref.mlp_backward(cache)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def double_softmax(X, y, params):
    """Loss and gradients of F.cross_entropy(softmax(logits), y): what a double softmax computes."""
    X64, p = np.asarray(X, np.float64), cases.f64(params)
    Z1 = X64 @ p["W1"] + p["b1"]
    H1 = np.maximum(Z1, 0)
    probs = _softmax(H1 @ p["W2"] + p["b2"])
    q = _softmax(probs)  # the probabilities taken as logits; q >= 1/(C e), so the log is safe
    rows = np.arange(len(y))
    loss = float(-np.log(q[rows, y]).mean())
    dP = q.copy()
    dP[rows, y] -= 1
    dP /= len(y)
    dZ2 = probs * (dP - (probs * dP).sum(axis=1, keepdims=True))  # back through the first softmax
    dZ1 = (dZ2 @ p["W2"].T) * (Z1 > 0)
    return loss, {"W1": X64.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
                  "X": dZ1 @ p["W1"].T}


def _norm_ratio(got: dict, want: dict) -> float:
    num = sum(float(np.sum(np.asarray(got[k], np.float64) ** 2)) for k in want if k in got)
    den = sum(float(np.sum(np.asarray(want[k], np.float64) ** 2)) for k in want if k in got)
    return float(np.sqrt(num / den)) if den else float("nan")


def diagnose_double_softmax(ctx, runs, dtype) -> None:
    """runs: [(X, y, params, got, want)] with gradient dicts. Record double-softmax when every
    run that is wrong has all five gradients equal to those of cross-entropy on softmax(logits)."""
    ratios = []
    for X, y, params, got, want in runs:
        names = [k for k in GRAD_NAMES if k in got]  # those not set aside as broken
        if all(matches(got[k], want[k], dtype) for k in names):
            continue
        _, doubled = double_softmax(X, y, params)
        if not names or not all(matches(got[k], doubled[k], dtype) for k in names):
            return
        ratios.append(_norm_ratio(got, want))
    if ratios:
        ctx.diagnose("double-softmax", "all five gradients equal those of cross-entropy applied to softmax(logits); "
                                       f"their norm is {100 * min(ratios):.2g}–{100 * max(ratios):.2g}% of the "
                                       "expected")


def accumulated(before: dict, after: dict, want: dict, names, dtype=np.float64) -> list[str]:
    """The tensors where `after` is `before` plus the expected gradient, which is what a
    .grad that backward() added into without clearing returns; [] unless that explains
    every tensor of `names` that is wrong."""
    wrong, carrying = [], []
    for name in names:
        if name not in before or name not in after or matches(after[name], want[name], dtype):
            continue  # set aside as broken (expect_grads), or right
        wrong.append(name)
        a, b = np.asarray(after[name], np.float64), np.asarray(before[name], np.float64)
        # The difference of two large results carries their rounding: scale by |after|.
        if np.any(want[name]) and a.shape == b.shape and matches(a - b, want[name], dtype, float(np.abs(a).max())):
            carrying.append(name)
    return carrying if carrying and carrying == wrong else []


# -- calling the learner ------------------------------------------------------------------

def as_tensors(X, y, params):
    return (AsTensor(X, requires_grad=True), AsTensor(y),
            {k: AsTensor(params[k], requires_grad=True) for k in PARAM_NAMES})


def _real_number(value) -> float | None:
    """`value` as a float if it is a plain real number (what .item() or float() returns)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, (np.generic, np.ndarray)) and np.shape(value) == () and np.asarray(value).dtype.kind in "iuf":
        return float(value)
    return None


def learner_loss(ctx, X, y, params) -> float:
    out = ctx.call("torch_mlp_loss", *as_tensors(X, y, params))
    if not isinstance(out, TensorInfo):
        number = _real_number(out)
        ctx.fail(f"torch_mlp_loss should return a torch tensor, got {type_name(out)}",
                 ["return the tensor itself (no .item()), so that loss.backward() can run"],
                 diagnoses=[diagnosis("loss-not-tensor", f"torch_mlp_loss returned a {type_name(out)} "
                                                         f"({number:.6g})")] if number is not None else [])
    if out.shape != ():
        ctx.fail(f"the loss tensor has shape {tuple(out.shape)}, expected a 0-d tensor (shape ())",
                 ["F.cross_entropy's default reduction='mean' gives a 0-d tensor; reduction='none' gives (B,)"])
    want_dtype = str(np.dtype(X.dtype))
    if out.dtype != want_dtype:
        found = []
        if (want_dtype, out.dtype) == ("float64", "float32"):
            found = [diagnosis("float32-downcast", "torch_mlp_loss: float64 inputs, float32 loss")]
        elif (want_dtype, out.dtype) == ("float32", "float64"):
            found = [diagnosis("float64-upcast", "torch_mlp_loss: float32 inputs, float64 loss")]
        ctx.fail(f"the loss tensor is {out.dtype} for {want_dtype} inputs",
                 ["keep the inputs' dtype: a torch.tensor(..., dtype=...) or .float() somewhere changed it"],
                 diagnoses=found)
    if out.grad_fn is None:
        # Every input that matters was handed over as a leaf that requires grad, so any
        # torch op on it records a grad_fn: None means the graph was cut.
        ctx.fail("the loss tensor is not connected to the autograd graph (it has no grad_fn)",
                 ["compute it from the tensors you were given with torch ops only; .detach(), .item(), "
                  "NumPy round-trips or torch.no_grad() cut the graph"],
                 diagnoses=[diagnosis("loss-detached", "the loss has no grad_fn although X and every parameter "
                                                       "were passed in with requires_grad=True")])
    return float(out.value)


def learner_grads(ctx, X, y, params):
    try:
        grads = ctx.call("autograd_gradients", X, y, params)
    except CheckFailed as failure:
        if any(d.id == "input-mutated" for d in failure.diagnoses):
            failure.details.append(FROM_NUMPY_ADVICE)
        raise
    if isinstance(grads, dict):
        tensors = [k for k, v in grads.items() if isinstance(v, TensorInfo)]
        if tensors:
            ctx.fail("autograd_gradients returned torch tensors; the contract is NumPy arrays",
                     ["convert each gradient with .detach().numpy() (or .grad.numpy())"],
                     diagnoses=[diagnosis("returns-tensors", ", ".join(map(label, tensors)) + (
                         " is a torch.Tensor" if len(tensors) == 1 else " are torch tensors"))])
        # No X gradient: set aside (expect_grads keeps this first record), the others still judged.
        if "X" in grads and grads["X"] is None:
            ctx.set_aside("grads['X']", "grads['X'] is None: X got no gradient",
                          ["build X as a leaf with requires_grad=True, like the parameters"],
                          [diagnosis("no-x-grad", "grads['X'] is None: X.grad was never filled")], "which is None")
        if "X" not in grads and all(k in grads for k in PARAM_NAMES):
            ctx.set_aside("grads['X']",
                          "grads has no 'X' entry: the gradient with respect to the input X is part of the contract",
                          ["build X as a leaf with requires_grad=True and return X.grad as grads['X']"],
                          reason="which is missing",
                          diagnoses=[diagnosis("no-x-grad", "grads has W1, b1, W2, b2 but no X",
                                          explanation="The gradient with respect to the input X is missing. It is "
                                                      "part of the contract: make X a leaf with requires_grad=True "
                                                      "and return its .grad as grads['X'].")])
        if np.dtype(X.dtype) == np.float64:
            # float64 in, float32 (or less) out: half the digits lost, not a harmless upcast.
            low = [k for k in GRAD_NAMES if isinstance(grads.get(k), np.ndarray) and grads[k].dtype.kind == "f"
                   and grads[k].dtype.itemsize < 8]
            if low:
                kinds = sorted({str(grads[k].dtype) for k in low})
                ctx.fail(f"{', '.join(map(label, low))} {'is' if len(low) == 1 else 'are'} {'/'.join(kinds)} "
                         "for float64 inputs",
                         ["torch.tensor(array, requires_grad=True) keeps the array's dtype; a dtype=torch.float32 "
                          "or .float() throws away half the digits"],
                         diagnoses=[diagnosis("float32-downcast", f"{', '.join(map(label, low))}: float64 inputs, "
                                                                  f"{'/'.join(kinds)} gradients")])
    shapes = {**{k: params[k].shape for k in PARAM_NAMES}, "X": X.shape}
    return expect_grads(ctx, grads, shapes, X.dtype)


def labelled(grads: dict) -> dict:
    return {label(k): v for k, v in grads.items()}


def diagnose_log_floor(ctx, X, y, params, got: float, dtype) -> None:
    """A loss that is off and equals the mean of -log(softmax(logits) + eps) (or of a
    clipped softmax) on these inputs: an epsilon or a clip under the log."""
    X64, p = np.asarray(X, np.float64), cases.f64(params)
    H1 = np.maximum(X64 @ p["W1"] + p["b1"], 0)
    logits = H1 @ p["W2"] + p["b2"]
    scale = float((H1 @ np.abs(p["W2"]) + np.abs(p["b2"])).max())
    floor = signatures.log_floor(got, logits, y, dtype, scale, cmp.log_prob_error(dtype, scale))
    if floor:
        want = float(signatures.per_example_losses(logits, y).mean())
        ctx.diagnose(signatures.floor_id(floor[1]),
                     signatures.floor_evidence(*floor, got, want, f"at B = {len(y)} ({np.dtype(dtype)})"))


# -- the checks ----------------------------------------------------------------------------

@check("loss-tensor", "torch_mlp_loss returns a 0-d tensor connected to the graph", hint=2)
def loss_tensor(ctx):
    for dtype in cases.DTYPES:
        learner_loss(ctx, *cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL))


@check("loss-value", "The loss is the mean cross-entropy of the raw logits", hint=1)
def loss_value(ctx):
    for dtype in cases.DTYPES:
        runs = []
        for sizes in (cases.SMALL, cases.INTERVIEW):
            X, y, params = cases.mlp_inputs(ctx.rng, dtype=dtype, **sizes)
            got = learner_loss(ctx, X, y, params)
            want, _ = expected(ctx, X, y, params)
            doubled, _ = double_softmax(X, y, params)
            rtol = 1e-4 if dtype == np.float32 else 1e-10
            if abs(got - doubled) <= rtol * abs(doubled) and abs(want - doubled) > 1e-3:
                ctx.fail(f"the loss is {got:.6g}, the cross-entropy of softmax(logits), not of the logits "
                         f"(expected {want:.6g}; log C = {np.log(sizes['C']):.4g})",
                         ["F.cross_entropy applies log-softmax itself: pass the raw logits, not softmax output"],
                         diagnoses=[diagnosis("double-softmax", f"loss = {got:.6g} equals the cross-entropy of "
                                                                f"softmax(logits); log C = {np.log(sizes['C']):.4g}")])
            diagnose_log_floor(ctx, X, y, params, got, dtype)
            runs.append((sizes["B"], {"loss": got}, {"loss": want}))
        # A factor of B at both batch sizes is reduction="sum" (summed-loss).
        expect_batch_scaling(ctx, runs, dtype, what="loss")


@check("gradients", "autograd gradients match the NumPy reference for W1, b1, W2, b2 and X", hint=3)
def gradients(ctx):
    for dtype in cases.DTYPES:
        inputs, runs = [], []
        for sizes in (cases.SMALL, cases.INTERVIEW):
            X, y, params = cases.mlp_inputs(ctx.rng, dtype=dtype, **sizes)
            got = learner_grads(ctx, X, y, params)
            _, want = expected(ctx, X, y, params)
            inputs.append((X, y, params, got, want))
            runs.append((sizes["B"], labelled(got), labelled(want)))
        diagnose_double_softmax(ctx, inputs, dtype)
        # A factor of B on every gradient at both batch sizes is a missing 1/B.
        expect_batch_scaling(ctx, runs, dtype)
    ctx.note("autograd and the manual NumPy backward agree on all five gradients (float32 and float64)")


@check("batch-mean", "Mean reduction: gradients follow the mean over the batch", hint=1)
def batch_mean(ctx):
    inputs, runs = [], []
    for B in (6, 11):
        X, y, params = cases.mlp_inputs(ctx.rng, B, 5, 8, 3, np.float64)
        _, want = expected(ctx, X, y, params)
        got = learner_grads(ctx, X, y, params)
        # Every example twice: the parameter gradients of a mean do not change; each row of dX halves.
        X2, y2 = cases.duplicate(X, y)
        got2 = learner_grads(ctx, X2, y2, params)
        halved = {**want, "X": np.concatenate([want["X"], want["X"]]) / 2}
        carrying = accumulated(got, got2, want, PARAM_NAMES)
        if carrying:  # same parameters twice in a row: the second call returned first + gradient
            ctx.diagnose("grads-accumulate", f"{', '.join(map(label, carrying))}: the call with the same "
                                             "parameters (examples duplicated) returned the previous call's "
                                             "gradient plus the expected one")
        inputs += [(X, y, params, got, want), (X2, y2, params, got2, halved)]
        runs += [(B, labelled(got), labelled(want)), (2 * B, labelled(got2), labelled(halved))]
    diagnose_double_softmax(ctx, inputs, np.float64)
    expect_batch_scaling(ctx, runs, np.float64)


@check("finite-differences", "autograd gradients agree with finite differences of your torch_mlp_loss", hint=3)
def finite_differences(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    grads = learner_grads(ctx, X, y, params)
    point = {**params, "X": X}

    def loss_at(p):
        return learner_loss(ctx, p["X"], y, {k: p[k] for k in PARAM_NAMES})

    try:
        expect_finite_differences(ctx, loss_at, grads, point, label=label)
    except CheckFailed as failure:
        want_loss, want = expected(ctx, X, y, params)
        # Only a plain disagreement (no cause named yet) with gradients that match the reference.
        if not failure.diagnoses and all(matches(grads[k], want[k], np.float64) for k in GRAD_NAMES):
            try:
                got_loss = loss_at(point)
            except CheckFailed:
                raise failure from None
            if not matches(got_loss, want_loss, np.float64):
                # Right gradients, wrong loss: the gradients were not taken of this loss.
                failure.diagnoses.insert(0, diagnosis(
                    "forward-copies-differ", f"autograd_gradients matches the reference gradients, but "
                                             f"torch_mlp_loss gives {got_loss:.6g} where {want_loss:.6g} is expected"))
        raise


@check("repeatable", "No gradient accumulation across calls; inputs unmodified", hint=4)
def repeatable(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **REPEAT_SIZES)
    first = learner_grads(ctx, X, y, params)
    second = learner_grads(ctx, X, y, params)
    if all(np.array_equal(first[k], second[k], equal_nan=True) for k in GRAD_NAMES):
        ctx.note("a second call returns the same gradients; the caller's arrays are untouched")
        return
    _, want = expected(ctx, X, y, params)
    third = learner_grads(ctx, X, y, params)
    carrying = accumulated(first, second, want, GRAD_NAMES)
    if carrying and carrying == accumulated(second, third, want, GRAD_NAMES):
        evidence = (f"{', '.join(map(label, carrying))}: the first call was right, the second returned 2× and the "
                    "third 3× the gradient" if matches(first[carrying[0]], want[carrying[0]], np.float64) else
                    f"{', '.join(map(label, carrying))}: each call returned the previous result plus the gradient")
        ctx.fail("the gradients add up across calls: each call returns the previous result plus the new gradient",
                 [evidence, ".grad accumulates across backward() calls until zeroed: build fresh leaf tensors "
                            "inside each call (or set .grad = None first)"],
                 diagnoses=[diagnosis("grads-accumulate", evidence, tensors=carrying)])
    changed = [label(k) for k in GRAD_NAMES if not np.array_equal(first[k], second[k], equal_nan=True)]
    ctx.fail("calling autograd_gradients twice with the same inputs gave different results",
             [f"changed on the second call: {', '.join(changed)}",
              "the function keeps state between calls (a global, a cached tensor, a default argument); each "
              "call should depend only on its arguments"],
             diagnoses=[diagnosis("not-repeatable", f"{', '.join(changed)} changed on the second call")])


@check("gradients-match", "gradients_match accepts equal gradients and rejects any mismatch", hint=5)
def gradients_match(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, manual = expected(ctx, X, y, params)

    def changed(name, fn):
        out = {k: v.copy() for k, v in manual.items()}
        out[name] = fn(out[name])
        return out

    def verdict(auto, *tolerances, first=None) -> bool:
        got = ctx.call("gradients_match", manual if first is None else first, auto, *tolerances)
        if isinstance(got, TensorInfo) and got.shape == () and got.value.dtype == np.bool_:
            got = bool(got.value)
        if not isinstance(got, (bool, np.bool_)):
            ctx.fail(f"gradients_match should return a bool, got {type_name(got)}")
        return bool(got)

    def bump(a):  # one entry clearly wrong: off by more than 100% of itself
        a.flat[0] += 0.1 + abs(a.flat[0])
        return a

    if not verdict({k: v.copy() for k, v in manual.items()}):
        ctx.fail("gradients_match returned False for two identical gradient dicts")
    accepted = [name for name in GRAD_NAMES if verdict(changed(name, bump))]
    if accepted == ["X"]:
        ctx.fail("gradients_match returned True for dicts that differ in one entry of X",
                 ["it rejects the same change in W1, b1, W2 and b2: compare every key, the input gradient too"],
                 diagnoses=[diagnosis("match-ignores-x", "a wrong X was accepted, the same change in each "
                                                         "parameter rejected")])
    if accepted:
        ctx.fail(f"gradients_match returned True for dicts that differ in one entry of {', '.join(accepted)}",
                 [f"one entry of {accepted[0]} was changed by more than 100% of its value"],
                 diagnoses=[diagnosis("match-accepts-mismatch", f"accepted a clear mismatch in "
                                                                f"{', '.join(accepted)}")])
    check_tolerances(ctx, manual, changed, verdict)
    if verdict({k: v.copy() for k, v in manual.items() if k != "b2"}):
        ctx.fail("gradients_match returned True when auto has no 'b2' entry",
                 ["compare the key sets first: set(manual) != set(auto) means False"],
                 diagnoses=[diagnosis("match-accepts-mismatch", "accepted dicts with different keys")])
    # A (1, H) bias gradient against (H,) fails, not warns: the contract defines True as
    # "same keys, same shapes, every element close", and this helper exists to catch exactly
    # that keepdims bug, which fails every other kata. np.allclose would broadcast it away.
    if verdict(changed("b1", lambda a: a.reshape(1, -1))):
        H = manual["b1"].shape[0]
        ctx.fail(f"gradients_match returned True for a (1, {H}) b1 gradient against a ({H},) one",
                 ["np.allclose and torch.allclose broadcast; compare shapes first so a (1, n) bias gradient "
                  "is caught"],
                 diagnoses=[diagnosis("match-accepts-mismatch", f"accepted shapes (1, {H}) and ({H},): the values "
                                                                "agree only after broadcasting")])
    check_keys(ctx, manual, verdict)
    ctx.note("accepts equal dicts in any key order, rejects a mismatch in any tensor, a key missing on either "
             "side and a shape mismatch, honours rtol/atol")


def check_keys(ctx, manual, verdict) -> None:
    """Gradients are paired by key. Probes: auto missing its last key, manual missing X,
    equal dicts whose keys come in another order (True), and the same keys reordered
    over values left in place, so each name holds another tensor (False). Pairing the
    values by position (zip(manual.values(), auto.values())) passes every probe above
    by accident: zip stops at the shorter dict, so dropping b2 shifts the pairing and a
    shape differs. Its signature is the last two verdicts together: only pairing by
    position rejects the reordered dict and accepts the relabelled one."""
    keys = list(manual)
    last = keys[-1]
    short = verdict({k: manual[k].copy() for k in keys[:-1]})
    accepts_reordered = verdict({k: manual[k].copy() for k in reversed(keys)})
    # Keys in reverse order, values in manual's order: auto["X"] holds dW1, and so on.
    accepts_relabelled = verdict(dict(zip(reversed(keys), (manual[k].copy() for k in keys))))
    found = []
    if accepts_relabelled and not accepts_reordered:
        found = [diagnosis("match-pairs-in-order",
                           f"False for the same {len(keys)} gradients with the keys in reverse order, but True when "
                           f"only the keys are reversed and the values keep manual's order (auto[{last!r}] holding "
                           f"manual[{keys[0]!r}])" + (f", and True without the last key {last!r}, which zip never "
                                                      "reaches" if short else "") +
                           ": the values are paired by position, not by key")]
    advice = ("compare the key sets first (set(manual) != set(auto) means False), then look each gradient up by its "
              "key, manual[k] against auto[k], never by position")
    if short:
        ctx.fail(f"gradients_match returned True when auto has no {last!r} entry (the last key of manual)", [advice],
                 diagnoses=found or [diagnosis("match-accepts-mismatch", f"accepted an auto dict without {last!r}")])
    if verdict({k: v.copy() for k, v in manual.items()}, first={k: v for k, v in manual.items() if k != "X"}):
        ctx.fail("gradients_match returned True when manual has no 'X' entry (auto has all five)", [advice],
                 diagnoses=found or [diagnosis("match-accepts-mismatch", "accepted a manual dict without 'X'")])
    if not accepts_reordered:
        ctx.fail("gradients_match returned False for two equal gradient dicts whose keys come in another order",
                 [f"auto listed the same gradients as {', '.join(reversed(keys))}; a dict's order is not part of the "
                  "contract: look each gradient up by its key, manual[k] against auto[k], never by position"],
                 diagnoses=found)
    if accepts_relabelled:
        ctx.fail(f"gradients_match returned True for gradients filed under the wrong keys (auto[{last!r}] held "
                 f"manual[{keys[0]!r}], and so on)", [advice],
                 diagnoses=[diagnosis("match-accepts-mismatch", "accepted gradients under the wrong keys, whose "
                                                                "shapes differ from manual's")])


def check_tolerances(ctx, manual, changed, verdict) -> None:
    """The rtol and atol it is given must be the ones it uses."""
    nudged = changed("W1", lambda a: a * (1 + 1e-3))
    shifted = changed("b2", lambda a: a + 1e-4)
    # tolerance: (auto, what, [(rtol, atol, expected verdict)] for a loose and a tight setting)
    probes = {"rtol": (nudged, "a 0.1% difference", [(1e-2, 0.0, True), (1e-5, 1e-8, False)]),
              "atol": (shifted, "a 1e-4 difference", [(0.0, 1e-3, True), (0.0, 1e-6, False)])}
    results = {tol: [verdict(auto, r, a) for r, a, _ in settings] for tol, (auto, _, settings) in probes.items()}
    wrong = [(tol, i) for tol, (_, _, settings) in probes.items() for i, setting in enumerate(settings)
             if results[tol][i] != setting[2]]
    if not wrong:
        return
    # Ignored: the loose and tight settings gave the same verdict, and even a huge value of
    # that tolerance does not accept a 100% difference (swapped rtol/atol still would).
    big = int(np.argmax(np.abs(manual["W1"])))

    def double_one(a):
        a.flat[big] *= 2
        return a

    doubled = changed("W1", double_one)
    huge = {"rtol": (10.0, 0.0), "atol": (0.0, 1e3)}
    ignored = [tol for tol in probes if results[tol][0] == results[tol][1] and not verdict(doubled, *huge[tol])]
    found = [diagnosis("match-ignores-tolerances", "; ".join(
        f"{t} from {probes[t][2][1][j]:g} to {probes[t][2][0][j]:g}, even {huge[t][j]:g}, changed no verdict"
        for t, j in ((t, 0 if t == "rtol" else 1) for t in ignored)))] if ignored else []
    tol, i = wrong[0]
    rtol, atol, _ = probes[tol][2][i]
    ctx.fail(f"gradients_match returned {results[tol][i]} for {probes[tol][1]} with rtol={rtol:g}, atol={atol:g}",
             ["pass the rtol and atol you were given on to the comparison (np.allclose(m, a, rtol=rtol, atol=atol))"],
             diagnoses=found)


CHECKS = [loss_tensor, loss_value, gradients, batch_mean, finite_differences, repeatable, gradients_match]
