"""Hidden checks for part5: the same MLP with PyTorch autograd, checked against NumPy.

The expected values come from part4's NumPy reference, so this kata is exactly
the interview's last step: show that autograd and the manual backward agree.
torch is imported only in the learner's process; the grader compares NumPy copies.
"""
import numpy as np

from grader import cases
from grader.checklib import (check, expect_close, expect_finite_differences, expect_grads,
                             expect_repeatable, type_name)
from grader.codec import AsTensor, TensorInfo

GRAD_NAMES = ("W1", "b1", "W2", "b2", "X")
PARAM_NAMES = ("W1", "b1", "W2", "b2")


def numpy_reference(ctx):
    return ctx.reference_file("part4_mlp_backward.py")


def expected(ctx, X, y, params):
    ref = numpy_reference(ctx)
    loss, cache = ref.mlp_forward(np.asarray(X, np.float64), y, cases.f64(params))
    return float(loss), ref.mlp_backward(cache)


def as_tensors(X, y, params):
    return (AsTensor(X, requires_grad=True), AsTensor(y),
            {k: AsTensor(params[k], requires_grad=True) for k in PARAM_NAMES})


def learner_loss(ctx, X, y, params) -> float:
    out = ctx.call("torch_mlp_loss", *as_tensors(X, y, params))
    if not isinstance(out, TensorInfo):
        ctx.fail(f"torch_mlp_loss should return a torch tensor, got {type_name(out)}",
                 ["return the tensor itself (no .item()), so that loss.backward() can run"])
    if out.shape != ():
        ctx.fail(f"the loss tensor has shape {tuple(out.shape)}, expected a 0-d tensor (shape ())",
                 ["F.cross_entropy's default reduction='mean' gives a 0-d tensor; reduction='none' gives (B,)"])
    want_dtype = str(np.dtype(X.dtype))
    if out.dtype != want_dtype:
        ctx.fail(f"the loss tensor is {out.dtype} for {want_dtype} inputs",
                 ["keep the inputs' dtype: a torch.tensor(..., dtype=...) or .float() somewhere changed it"])
    if out.grad_fn is None:
        ctx.fail("the loss tensor is not connected to the autograd graph (it has no grad_fn)",
                 ["compute it from the tensors you were given with torch ops only; .detach(), .item(), "
                  "NumPy round-trips or torch.no_grad() cut the graph"])
    return float(out.value)


def learner_grads(ctx, X, y, params):
    grads = ctx.call("autograd_gradients", X, y, params)
    if isinstance(grads, dict) and any(isinstance(v, TensorInfo) for v in grads.values()):
        ctx.fail("autograd_gradients returned torch tensors; the contract is NumPy arrays",
                 ["convert each gradient with .detach().numpy() (or .grad.numpy())"])
    if isinstance(grads, dict) and grads.get("X", 0) is None:
        ctx.fail("grads['X'] is None: X got no gradient",
                 ["build X as a leaf with requires_grad=True, like the parameters"])
    shapes = {**{k: params[k].shape for k in PARAM_NAMES}, "X": X.shape}
    return expect_grads(ctx, grads, shapes, X.dtype)


def compare_grads(ctx, got, want, dtype, named, details=()):
    for name in GRAD_NAMES:
        expect_close(ctx, got[name], want[name], f"grads[{name!r}]", dtype, named=named, details=list(details))


def _mean_ce(logits, y) -> float:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def double_softmax_loss(X, y, params) -> float:
    """What F.cross_entropy gives when handed probabilities instead of logits."""
    X64, p = np.asarray(X, np.float64), cases.f64(params)
    logits = np.maximum(X64 @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return _mean_ce(shifted / shifted.sum(axis=1, keepdims=True), y)


@check("loss-tensor", "torch_mlp_loss returns a 0-d tensor connected to the graph", hint=2)
def loss_tensor(ctx):
    for dtype in cases.DTYPES:
        learner_loss(ctx, *cases.mlp_inputs(ctx.rng, dtype=dtype, **cases.SMALL))


@check("loss-value", "The loss is the mean cross-entropy of the raw logits", hint=1)
def loss_value(ctx):
    for dtype in cases.DTYPES:
        for sizes in (cases.SMALL, cases.INTERVIEW):
            X, y, params = cases.mlp_inputs(ctx.rng, dtype=dtype, **sizes)
            got = learner_loss(ctx, X, y, params)
            want, _ = expected(ctx, X, y, params)
            doubled = double_softmax_loss(X, y, params)
            rtol = 1e-4 if dtype == np.float32 else 1e-10
            if abs(got - doubled) <= rtol * abs(doubled) and abs(want - doubled) > 1e-3:
                ctx.fail(f"the loss is {got:.6g}, the cross-entropy of softmax(probs), not of the logits "
                         f"(expected {want:.6g}; log C = {np.log(sizes['C']):.4g})",
                         ["F.cross_entropy applies log-softmax itself: pass the raw logits, not softmax output"],
                         diagnoses=[{"id": "double-softmax", "name": "Softmax applied twice",
                                     "explanation": "probabilities were passed to F.cross_entropy"}])
            expect_close(ctx, got, want, "loss", dtype, named={"B": sizes["B"]},
                         details=["F.cross_entropy with its default reduction='mean' on the logits"])


@check("gradients", "autograd gradients match the NumPy reference for W1, b1, W2, b2 and X", hint=2)
def gradients(ctx):
    for dtype in cases.DTYPES:
        for sizes in (cases.SMALL, cases.INTERVIEW):
            X, y, params = cases.mlp_inputs(ctx.rng, dtype=dtype, **sizes)
            got = learner_grads(ctx, X, y, params)
            compare_grads(ctx, got, expected(ctx, X, y, params)[1], dtype, {"B": sizes["B"]})
    ctx.note("autograd and the manual NumPy backward agree on all five gradients (float32 and float64)")


@check("batch-mean", "Mean reduction: gradients follow the mean over the batch", hint=1)
def batch_mean(ctx):
    for B in (6, 11):
        X, y, params = cases.mlp_inputs(ctx.rng, B, 5, 8, 3, np.float64)
        _, want = expected(ctx, X, y, params)
        compare_grads(ctx, learner_grads(ctx, X, y, params), want, np.float64, {"B": B},
                      details=[f"batch size B = {B}"])
        X2, y2 = cases.duplicate(X, y)
        halved = {**want, "X": np.concatenate([want["X"], want["X"]]) / 2}
        compare_grads(ctx, learner_grads(ctx, X2, y2, params), halved, np.float64, {"2B": 2 * B, "B": B},
                      details=["with every example duplicated, the parameter gradients of a mean must not change"])


@check("finite-differences", "autograd gradients agree with finite differences of your torch_mlp_loss")
def finite_differences(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    grads = learner_grads(ctx, X, y, params)
    point = {**params, "X": X}

    def loss_at(p):
        return learner_loss(ctx, p["X"], y, {k: p[k] for k in PARAM_NAMES})

    expect_finite_differences(ctx, loss_at, grads, point, label=lambda n: f"grads[{n!r}]")


@check("repeatable", "No gradient accumulation across calls; inputs unmodified", hint=3)
def repeatable(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    first = learner_grads(ctx, X, y, params)
    expect_repeatable(ctx, "autograd_gradients", X, y, params, first=first,
                      explain=".grad accumulates across backward() calls until zeroed: build fresh leaf tensors "
                              "inside each call (or zero the grads) so a second call returns the same gradients")
    ctx.note("a second call returns the same gradients; the caller's arrays are untouched")


@check("gradients-match", "gradients_match accepts equal gradients and rejects any mismatch", hint=4)
def gradients_match(ctx):
    X, y, params = cases.mlp_inputs(ctx.rng, dtype=np.float64, **cases.SMALL)
    _, manual = expected(ctx, X, y, params)
    copy = {k: v.copy() for k, v in manual.items()}

    def verdict(auto, *tolerances, expect: bool, what: str):
        got = ctx.call("gradients_match", manual, auto, *tolerances)
        if isinstance(got, TensorInfo) and got.shape == () and got.value.dtype == np.bool_:
            got = bool(got.value)
        if not isinstance(got, (bool, np.bool_)):
            ctx.fail(f"gradients_match should return a bool, got {type_name(got)}")
        if bool(got) != expect:
            ctx.fail(f"gradients_match returned {bool(got)} for {what}")

    verdict(copy, expect=True, what="two identical gradient dicts")
    for name in GRAD_NAMES:
        wrong = {k: v.copy() for k, v in manual.items()}
        wrong[name].flat[0] += 0.1 + abs(wrong[name].flat[0])
        verdict(wrong, expect=False, what=f"dicts that differ in one entry of {name}")
    # The tolerances it is given must be the ones it uses.
    nudged = {k: v.copy() for k, v in manual.items()}
    nudged["W1"] = nudged["W1"] * (1 + 1e-3)
    verdict(nudged, 1e-2, 0.0, expect=True, what="a 0.1% difference with rtol=1e-2")
    verdict(nudged, 1e-5, 1e-8, expect=False, what="a 0.1% difference with rtol=1e-5, atol=1e-8")
    shifted = {k: v.copy() for k, v in manual.items()}
    shifted["b2"] = shifted["b2"] + 1e-4
    verdict(shifted, 0.0, 1e-3, expect=True, what="a 1e-4 difference with atol=1e-3, rtol=0")
    verdict(shifted, 0.0, 1e-6, expect=False, what="a 1e-4 difference with atol=1e-6, rtol=0")
    reshaped = {k: v.copy() for k, v in manual.items()}
    reshaped["b1"] = reshaped["b1"].reshape(1, -1)
    got = ctx.call("gradients_match", manual, reshaped)
    if bool(getattr(got, "value", got)):
        ctx.warn("gradients_match accepted a (1, H) b1 gradient against an (H,) one",
                 ["np.allclose and torch.allclose broadcast; compare shapes first so a (1, n) bias gradient "
                  "is caught"])
        return
    ctx.note("accepts equal dicts, rejects a mismatch in any tensor, honours rtol/atol and shapes")


CHECKS = [loss_tensor, loss_value, gradients, batch_mean, finite_differences, repeatable, gradients_match]
