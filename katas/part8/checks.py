"""Hidden checks for part8: gradient accumulation, in-place ops, detach versus no_grad.

The learner's functions receive torch tensors (grader.sandbox.codec.AsTensor: w and x as
leaves with requires_grad=True where the contract says so) and return tensors or
arrays. Tensors come back as TensorInfo: their values plus requires_grad and the
name of their grad_fn, which is all the detach/no_grad check needs. The grader's
own process never imports torch: the expected numbers are computed here in NumPy.

Diagnoses are named only from exact signatures:
- a result that equals what one specific mistake computes, to float64 rounding
  (k-th snapshot = k·g; every snapshot = the final sum; 2·s·(1 - 2s) from a
  .data write; 2x from a product whose factor was not detached);
- the text of the exception PyTorch raises for that mistake (backward through a
  freed graph, .zero_() on a None gradient, a saved tensor modified in place,
  an in-place op on a leaf);
- numbers that contradict PyTorch's own error message (the versions);
- a tensor with the right values on the wrong side of the graph (detach/no_grad).
"""
import re

import numpy as np

from grader.checks import (cmp, AsTensor, check, diagnosis, expect_tuple, LearnerFault, matches, TensorInfo,
                           type_name)


# Sizes of the hidden inputs: distinct, none equal to 1. (n, d, times) per call.
ACCUMULATION_RUNS = ((6, 4, 3), (5, 3, 2))
M = 7  # length of the vector x in the in-place and detach functions

INPLACE_TEXT = "modified by an inplace operation"
LEAF_TEXT = "leaf Variable that requires grad is being used in an in-place operation"
FREED_TEXT = "backward through the graph a second time"
NONE_ZERO_TEXT = "'NoneType' object has no attribute 'zero_'"
VERSIONS = re.compile(r"is at version (\d+); expected version (\d+) instead")


# -- inputs and expected values (NumPy, float64) --------------------------------------------

def loss_inputs(rng, n: int, d: int):
    """w [d] and x [n, d] for L(w) = sum(tanh(x @ w)); small enough that tanh is far from flat."""
    return rng.standard_normal(d) * 0.5, rng.standard_normal((n, d)) * 0.5


def loss_grad(w, x):
    """dL/dw = x^T (1 - tanh(x @ w)^2), shape [d]."""
    return x.T @ (1.0 - np.tanh(x @ w) ** 2)


def vector(rng):
    """x [M], every entry at least 0.1 from 0 so that x and 2x are far apart."""
    z = rng.standard_normal(M)
    return np.where(z >= 0, z + 0.1, z - 0.1)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def multiple(got, g) -> str | None:
    """'2×' when got is (numerically) a clean multiple of g, else None."""
    m = cmp.compare(got, g, *cmp.tolerances(np.float64, float(np.abs(g).max())))
    if m is None:
        return "1×"
    factor = m.clean_factor
    if factor is None or abs(factor) < 1e-3:
        return None
    return f"{factor:.3g}×"


def mismatch(ctx, name: str, got, want, details=(), diagnoses=()):
    """Fail with a description of how `got` differs from `want`."""
    want = np.asarray(want, np.float64)
    rtol, atol = cmp.tolerances(np.float64, float(np.abs(want).max()))
    message, lines = cmp.describe(name, cmp.compare(got, want, rtol, atol))
    ctx.fail(message, lines + list(details), diagnoses=list(diagnoses))


# -- calling the learner ----------------------------------------------------------------------

def call(ctx, fn: str, *args, known=()):
    """ctx.call, where an exception whose text is in `known` [(text, id, evidence, advice)]
    becomes a failure that names the mistake; any other exception stays what it is."""
    try:
        return ctx.call(fn, *args)
    except LearnerFault as fault:
        if fault.kind == "exception" and not fault.fatal:
            for text, id, evidence, advice in known:
                if text in fault.message:
                    ctx.fail(fault.message, [advice] + list(fault.details), diagnoses=[diagnosis(id, evidence)])
        raise


def as_vector(ctx, value, name: str, length: int) -> np.ndarray:
    """A gradient returned as a tensor or an array: float64 [length]."""
    if isinstance(value, TensorInfo):
        value = value.value
    if value is None:
        ctx.fail(f"{name} is None",
                 [".grad is None until a backward() reaches the leaf, and again after .grad = None; "
                  "return it after backward()"])
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
        ctx.fail(f"{name} should be a float tensor or NumPy array of shape ({length},), got {type_name(value)}")
    if value.shape != (length,):
        ctx.fail(f"{name} has shape {value.shape}, expected ({length},): a gradient has the shape of its tensor")
    if value.dtype != np.float64:
        ctx.fail(f"{name} is {value.dtype}; the inputs are float64, and so are their gradients",
                 ["keep the leaf as it was given: a .float() or dtype=torch.float32 halves the precision"])
    return value


ACCUMULATION_FAULTS = (
    (FREED_TEXT, "graph-freed", "backward() ran a second time on a graph whose saved tensors the first "
                                "backward() had already freed",
     "build the loss again (a new forward pass) before each backward(), or pass retain_graph=True to every "
     "backward() but the last"),
    (NONE_ZERO_TEXT, "grad-none-before-backward", ".zero_() was called on w.grad while it was still None",
     "w.grad is None until the first backward(); set w.grad = None instead, or guard with "
     "`if w.grad is not None`"),
)


def snapshots(ctx, fn: str, w, x, times: int) -> list[np.ndarray]:
    """The learner's list of `times` copies of w.grad, one after each backward pass."""
    out = call(ctx, fn, AsTensor(w, requires_grad=True), AsTensor(x), times, known=ACCUMULATION_FAULTS)
    if isinstance(out, TensorInfo):
        out = out.value
    if isinstance(out, np.ndarray) and out.ndim == 2:  # a stacked [times, d] is the same list
        out = list(out)
    if out is None:
        ctx.fail(f"{fn} returned None: is a return statement missing?")
    if not isinstance(out, (list, tuple)):
        ctx.fail(f"{fn} should return a list of {times} gradients (w.grad after each backward pass), "
                 f"got {type_name(out)}")
    if len(out) != times:
        ctx.fail(f"{fn} returned {len(out)} gradients for times={times}: one per backward pass is due")
    return [as_vector(ctx, v, f"entry {k} of the list", len(w)) for k, v in enumerate(out)]


# -- the checks ------------------------------------------------------------------------------

@check("accumulation", "Without zeroing, w.grad after k backward passes is k times the gradient", hint=1)
def accumulation(ctx):
    for n, d, times in ACCUMULATION_RUNS:
        w, x = loss_inputs(ctx.rng, n, d)
        got = snapshots(ctx, "grad_without_zeroing", w, x, times)
        g = loss_grad(w, x)
        bad = [k for k in range(1, times + 1) if not matches(got[k - 1], k * g)]
        if not bad:
            continue
        seen = ", ".join(multiple(s, g) or "not a multiple of g" for s in got)
        if all(np.array_equal(s, got[-1]) for s in got) and matches(got[-1], times * g):
            evidence = (f"all {times} entries equal the final w.grad, {times}× the gradient: "
                        "one tensor, read after the last backward()")
            ctx.fail(f"every entry of the list is the final gradient ({seen} the gradient g); expected "
                     f"{', '.join(f'{k}×' for k in range(1, times + 1))}",
                     ["backward() adds into w.grad in place, so w.grad (and w.grad.numpy()) is one "
                      "buffer that keeps changing: append w.grad.clone()"],
                     diagnoses=[diagnosis("grad-snapshot-aliased", evidence)])
        k = bad[0]
        ctx.fail(f"after {k} backward pass{'es' if k > 1 else ''} without zeroing, w.grad should be {k}× the "
                 f"gradient; the entries are {seen} the gradient",
                 [f"L(w) = sum(tanh(x @ w)) with w [{d}], x [{n}, {d}], times={times}",
                  "backward() adds into .grad and never clears it: do not zero or recreate w between passes"])
    ctx.note("w.grad grows to 2×, 3× the gradient, one copy per pass")


@check("zeroing", "Clearing w.grad before each pass gives the gradient itself every time", hint=2)
def zeroing(ctx):
    for n, d, times in ACCUMULATION_RUNS:
        w, x = loss_inputs(ctx.rng, n, d)
        got = snapshots(ctx, "grad_with_zeroing", w, x, times)
        g = loss_grad(w, x)
        bad = [k for k in range(1, times + 1) if not matches(got[k - 1], g)]
        if not bad:
            continue
        seen = ", ".join(multiple(s, g) or "not a multiple of g" for s in got)
        found = []
        if all(matches(got[k - 1], k * g) for k in range(1, times + 1)):
            found = [diagnosis("forgot-zero-grad", f"the entries are {seen} the gradient: each pass added to "
                                                   "the previous ones")]
        ctx.fail(f"with the gradient cleared before each pass, every entry should be 1× the gradient; "
                 f"they are {seen}",
                 [f"L(w) = sum(tanh(x @ w)) with w [{d}], x [{n}, {d}], times={times}",
                  "clear w.grad before every backward() (inside the loop), not once before it"],
                 diagnoses=found)
    ctx.note("every pass starts from a cleared gradient")


def inplace_result(ctx):
    """(message, version_before, version_after) from inplace_breaks_backward."""
    x = vector(ctx.rng)
    out = call(ctx, "inplace_breaks_backward", AsTensor(x, requires_grad=True), known=(
        (INPLACE_TEXT, "inplace-error-not-caught", "inplace_breaks_backward raised the in-place RuntimeError "
                                                   "instead of returning its message",
         "wrap the backward() call in try/except RuntimeError as error and return str(error)"),
        (LEAF_TEXT, "inplace-on-leaf", "the in-place op was applied to the leaf x itself",
         "modify a tensor computed from x (the output of torch.sigmoid(x), say), not x"),
    ))
    return expect_tuple(ctx, out, 3, "inplace_breaks_backward")


def as_version(ctx, value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        ctx.fail(f"{name} should be an int (a tensor's ._version), got {type_name(value)}")
    return int(value)


@check("inplace-error", "backward() after an in-place op on a saved tensor raises, and the message is returned",
       hint=3)
def inplace_error(ctx):
    message, before, after = inplace_result(ctx)
    if message is None or (isinstance(message, str) and not message.strip()):
        bumped = (isinstance(before, (int, np.integer)) and isinstance(after, (int, np.integer))
                  and not isinstance(before, bool) and int(after) > int(before))
        evidence = (f"the version went from {before} to {after}, so an in-place op ran, but on a tensor that "
                    "no backward function had saved" if bumped else
                    f"the version did not change ({before} to {after}): no in-place op reached the tensor "
                    "(y = y * 2 makes a new tensor; y.data bypasses the counter)")
        ctx.fail("backward() raised nothing: the in-place op did not modify a tensor that autograd saved",
                 ["modify the output of an op that saves its output for backward (sigmoid, exp, tanh, relu): "
                  "s = torch.sigmoid(x); s.mul_(2); s.sum().backward()"],
                 diagnoses=[diagnosis("inplace-not-triggered", evidence)])
    if not isinstance(message, str):
        ctx.fail(f"the message should be a str (str(error)), got {type_name(message)}")
    if LEAF_TEXT in message:
        ctx.fail("the error is about an in-place op on a leaf, not about a saved tensor",
                 [f"message: {message[:200]}"],
                 diagnoses=[diagnosis("inplace-on-leaf", "the returned message says a leaf that requires grad "
                                                         "was used in an in-place operation")])
    if INPLACE_TEXT not in message:
        ctx.fail(f"the message does not mention a variable '{INPLACE_TEXT}'",
                 [f"message: {message[:200]}",
                  "return the text of the RuntimeError that backward() raises after a saved tensor was "
                  "modified in place"])
    ctx.note("backward() detected the modified saved tensor")


@check("version-counter", "The version counter read before and after the in-place op, as the error reports it",
       hint=4)
def version_counter(ctx):
    message, before, after = inplace_result(ctx)
    before = as_version(ctx, before, "version_before")
    after = as_version(ctx, after, "version_after")
    found = VERSIONS.search(message) if isinstance(message, str) else None
    if found:
        now, saved = int(found.group(1)), int(found.group(2))
        if (before, after) != (saved, now):
            if before == after == now:
                evidence = f"both are {now}, the version after the in-place op: both were read after it"
            elif before == after:
                evidence = (f"both are {before}: read from a tensor the in-place op did not touch (the leaf x, "
                            "or a copy)")
            else:
                evidence = f"you returned ({before}, {after})"
            ctx.fail(f"the versions ({before}, {after}) contradict the error message: the saved tensor was saved "
                     f"at version {saved} and is at version {now} at backward()",
                     ["read ._version of the tensor you modify: right after it is created, and right after the "
                      "in-place op"],
                     diagnoses=[diagnosis("version-misread", evidence)])
    if after <= before:
        ctx.fail(f"version_after ({after}) is not greater than version_before ({before})",
                 ["every in-place op bumps the modified tensor's ._version; read it before and after that op"])
    ctx.note(f"the version went from {before} to {after}" + (", as the error message says" if found else ""))


@check("inplace-fix", "The out-of-place fix gives the right gradient, 2·s·(1 - s)", hint=5)
def inplace_fix(ctx):
    x = vector(ctx.rng)
    out = call(ctx, "inplace_fixed", AsTensor(x, requires_grad=True), known=(
        (INPLACE_TEXT, "saved-tensor-modified", "inplace_fixed still raises the in-place RuntimeError",
         "y = y.mul_(2), y.detach().mul_(2) and an in-place op under no_grad all still write into the saved "
         "tensor; use y * 2, or modify a clone"),
        (LEAF_TEXT, "inplace-on-leaf", "inplace_fixed modified the leaf x in place",
         "compute a new tensor from x instead of modifying x"),
    ))
    got = as_vector(ctx, out, "x.grad", M)
    s = sigmoid(x)
    want = 2 * s * (1 - s)
    if matches(got, want):
        ctx.note("the doubled sigmoid has the gradient 2·s·(1 - s)")
        return
    found = []
    if matches(got, 2 * s * (1 - 2 * s)):
        found = [diagnosis("inplace-via-data", "x.grad = 2·s·(1 - 2s): the backward of sigmoid used the "
                                               "doubled s, so the saved tensor was changed without the "
                                               "version counter noticing")]
    mismatch(ctx, "x.grad", got, want, [f"L = sum(2·sigmoid(x)), x [{M}]"], found)


def graph_entry(ctx, out: dict, key: str) -> TensorInfo:
    value = out.get(key)
    if isinstance(value, np.ndarray):
        ctx.fail(f"result[{key!r}] is a NumPy array: return the tensor itself, so that its requires_grad and "
                 "grad_fn can be read")
    if not isinstance(value, TensorInfo):
        ctx.fail(f"result[{key!r}] should be a torch tensor, got {type_name(value)}")
    return value


@check("detach-vs-no-grad", "detach() cuts one tensor from the graph; no_grad records nothing", hint=6)
def detach_vs_no_grad(ctx):
    x = vector(ctx.rng)
    out = call(ctx, "detach_vs_no_grad", AsTensor(x, requires_grad=True))
    if not isinstance(out, dict):
        ctx.fail(f"detach_vs_no_grad should return a dict with keys 'detached' and 'no_grad', got "
                 f"{type_name(out)}")
    missing = [k for k in ("detached", "no_grad") if k not in out]
    if missing:
        ctx.fail(f"the dict has no {', '.join(repr(k) for k in missing)} entry")
    entries = {k: graph_entry(ctx, out, k) for k in ("detached", "no_grad")}
    for key, info in entries.items():
        if info.shape != (M,):
            ctx.fail(f"result[{key!r}] has shape {info.shape}, expected ({M},)")
        if not matches(info.value, x * x):
            mismatch(ctx, f"result[{key!r}]", info.value, x * x, ["both entries hold the values of x·x"])
    detached, quiet = entries["detached"], entries["no_grad"]
    if not (detached.requires_grad and detached.grad_fn):
        ctx.fail("result['detached'] is not on the graph (requires_grad=False, no grad_fn): x * x.detach() "
                 "still depends on x",
                 ["detach() cuts only the tensor it is called on; the product with the other x is recorded"],
                 diagnoses=[diagnosis("detach-confused-with-no-grad",
                                      "result['detached'] has the values of x·x but no grad_fn: the whole product "
                                      "was cut, which is what no_grad does, not only the one factor")])
    if quiet.requires_grad or quiet.grad_fn:
        ctx.fail(f"result['no_grad'] was recorded (grad_fn {quiet.grad_fn}, requires_grad={quiet.requires_grad})",
                 ["compute x * x inside `with torch.no_grad():`; nothing computed in that block is recorded"],
                 diagnoses=[diagnosis("detach-confused-with-no-grad",
                                      f"result['no_grad'] has the values of x·x and grad_fn {quiet.grad_fn}: "
                                      "it was recorded, so it was not computed under no_grad")])
    ctx.note(f"x * x.detach() is on the graph ({detached.grad_fn}); under no_grad the same product is not")


@check("stop-gradient", "No gradient flows through the detached factor: d/dx sum(x · sg(x)) = x", hint=6)
def stop_gradient(ctx):
    x = vector(ctx.rng)
    got = as_vector(ctx, call(ctx, "stop_gradient_branch", AsTensor(x, requires_grad=True)), "x.grad", M)
    if matches(got, x):
        ctx.note("the detached factor acts as a constant: x.grad = x")
        return
    found = []
    if matches(got, 2 * x):
        found = [diagnosis("gradient-through-detached-branch", "x.grad = 2x, the gradient of x·x: both factors "
                                                               "carried gradient")]
    mismatch(ctx, "x.grad", got, x, [f"L = sum(x * x.detach()), x [{M}]"], found)


CHECKS = [accumulation, zeroing, inplace_error, version_counter, inplace_fix, detach_vs_no_grad, stop_gradient]
