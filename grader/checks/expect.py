"""Validating what the learner's code returned: shapes, dtypes, values within
tolerance, finiteness, and the same answer twice. Each `expect_*` fails the check
with the learner-facing message (and the diagnosis it recognised) or returns the
value, validated."""
from __future__ import annotations

import numpy as np

from grader.checks import compare as cmp
from grader.checks.context import CheckContext, Usable, type_name
from grader.model.diagnoses import Diagnosis, diagnosis
from grader.sandbox.codec import Opaque, TensorInfo


def expect_tuple(ctx: CheckContext, value, n: int, what: str) -> tuple:
    if value is None:
        ctx.fail(f"{what} returned None: is a return statement missing?")
    if not isinstance(value, (tuple, list)):
        ctx.fail(f"{what} should return a tuple of {n} values, got {type_name(value)}")
    if len(value) != n:
        ctx.fail(f"{what} should return {n} values, got {len(value)}")
    return tuple(value)


def _shape_advice(got: tuple, want: tuple) -> str | None:
    if len(want) == 2 and got == want[::-1]:
        return "that is the transposed shape: check the order of the matrix product and where the .T goes"
    if len(want) == 1 and got == (1, want[0]):
        return "a (1, n) result where (n,) is due: sum over axis 0 without keepdims=True"
    if len(want) == 1 and len(got) == 1 and got != want:
        return "a vector of the wrong length: did you reduce over the wrong axis?"
    if got == want + (1,) or got == (1,) + want:
        return "an extra axis of length 1: squeeze it or drop keepdims=True"
    return None


def check_dtype(ctx: CheckContext, value: np.ndarray, name: str, dtype) -> None:
    dtype = np.dtype(dtype)
    if value.dtype == dtype:
        return
    if dtype == np.float32 and value.dtype == np.float64:
        ctx.warn(f"{name} is float64 for float32 inputs",
                 ["something upcast silently: np.eye/np.zeros without dtype=, or a float64 NumPy scalar; "
                  "pass dtype=X.dtype to keep the caller's precision"],
                 diagnoses=[diagnosis("float64-upcast", f"{name}: float32 inputs, float64 result")])
        return
    ctx.fail(f"{name} has dtype {value.dtype}, expected {dtype} (the dtype of the inputs)")


def _shape_diagnosis(got: tuple, want: tuple, bias: bool) -> Diagnosis:
    # `got`: a later exception about an operand of this shape is this same bug (problems.py).
    if len(want) == 2 and got == want[::-1]:
        return diagnosis("wrong-transpose", f"shape {got} is the transpose of {want}", got=list(got))
    if bias and len(want) == 1 and got in ((1, want[0]), (want[0], 1)):
        return diagnosis("bias-keepdims", f"shape {got} where the bias has shape {want}", got=list(got))
    if bias and len(want) == 1 and len(got) == 1:
        return diagnosis("bias-wrong-axis", f"{got[0]} entries where the bias has {want[0]}: "
                                            "summed over an axis other than the batch", got=list(got))
    return diagnosis("wrong-shape", f"shape {got}, expected {want}", got=list(got))


def _array_problem(ctx: CheckContext, value, name: str, shape: tuple, dtype, bias: bool):
    """Why `value` cannot be judged as an array of `shape` and `dtype`:
    (message, details, diagnoses, reason), or None when it can (a float64 result for
    float32 inputs only warns, see check_dtype)."""
    if isinstance(value, TensorInfo):
        return (f"{name} is a torch.Tensor; this function should return a NumPy array",
                ["convert with .detach().numpy()"], [], "which is a torch.Tensor")
    if value is None:
        return f"{name} is None: is a return statement missing?", [], [], "which is None"
    if not isinstance(value, np.ndarray):
        return (f"{name} should be a NumPy array of shape {shape}, got {type_name(value)}", [], [],
                "which is not an array")
    if value.shape != tuple(shape):
        advice = _shape_advice(value.shape, tuple(shape))
        return (f"{name} has shape {value.shape}, expected {tuple(shape)}", [advice] if advice else [],
                [_shape_diagnosis(value.shape, tuple(shape), bias)], "whose shape is wrong")
    want = np.dtype(dtype)
    if value.dtype != want and not (want == np.float32 and value.dtype == np.float64):
        return (f"{name} has dtype {value.dtype}, expected {want} (the dtype of the inputs)", [], [],
                "whose dtype is wrong")
    check_dtype(ctx, value, name, dtype)
    return None


def expect_array(ctx: CheckContext, value, name: str, shape: tuple, dtype, bias: bool = False) -> np.ndarray:
    """An np.ndarray of exactly `shape`; dtype per `check_dtype`. `bias`: the value is a
    bias gradient, whose classic shape mistakes have names of their own."""
    problem = _array_problem(ctx, value, name, shape, dtype, bias)
    if problem:
        message, details, diagnoses, _ = problem
        ctx.blame(value)
        ctx.fail(message, details, diagnoses=diagnoses)
    return value


def expect_arrays(ctx: CheckContext, values: dict, shapes: dict[str, tuple], dtype,
                  label=lambda key: key, biases=()) -> dict:
    """Each of `values` an array of its shape in `shapes`, without stopping at the first
    that is not: a missing or broken one is set aside (`ctx.set_aside`, reported at the
    end of the check) and the rest come back, in a dict that fails the check in one line
    when asked for one set aside. `biases`: keys whose shape mistakes are named as a bias's."""
    good, labels = {}, {key: label(key) for key in shapes}
    for key, shape in shapes.items():
        if key not in values:
            ctx.set_aside(labels[key], f"{labels[key]} is missing", [], [], "which is missing")
            continue
        problem = _array_problem(ctx, values[key], labels[key], shape, dtype, key in biases)
        if problem:
            message, details, diagnoses, reason = problem
            ctx.set_aside(labels[key], message, details, diagnoses, reason, value=values[key])
        else:
            good[key] = values[key]
    return Usable(ctx, good, labels)


def expect_scalar(ctx: CheckContext, value, name: str, dtype=None) -> float:
    """A loss: Python float, NumPy scalar or 0-d array (not shape (1,) or (B,))."""
    ctx.blame(value)
    if isinstance(value, TensorInfo):
        ctx.fail(f"{name} is a torch.Tensor; this function should return a NumPy or Python number")
    if value is None:
        ctx.fail(f"{name} is None: is a return statement missing?")
    if isinstance(value, bool):
        ctx.fail(f"{name} should be a number, got {type_name(value)}")
    if isinstance(value, (int, float)):
        try:
            return ctx.same_origin(float(value), value)
        except OverflowError:
            ctx.fail(f"{name} is an integer with {len(str(abs(value))) if abs(value) < 10**4000 else 'thousands of'} "
                     "digits, too large for a float")
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.shape == ()):
        if np.asarray(value).dtype.kind not in "fiu":
            ctx.fail(f"{name} should be a real number, got dtype {np.asarray(value).dtype}")
        if dtype is not None:
            check_dtype(ctx, np.asarray(value), name, dtype)
        return ctx.same_origin(float(value), value)
    if isinstance(value, np.ndarray):
        ctx.fail(f"{name} should be a scalar, got an array of shape {value.shape}",
                 ["average the per-example losses over the batch: .mean() gives a scalar"])
    ctx.fail(f"{name} should be a number, got {type_name(value)}")


def expect_finite(ctx: CheckContext, value, name: str, details: list[str] | None = None) -> None:
    arr = cmp.as_numbers(value)
    bad = ~np.isfinite(arr)
    if bad.any():
        ctx.blame(value)
        kinds = sorted({"NaN" if np.isnan(v) else "inf" for v in arr[bad].ravel()[:50]})
        what = (f"{name} is {kinds[0]}" if arr.size == 1 else
                f"{name} contains {' and '.join(kinds)} ({int(bad.sum())} of {arr.size} entries)")
        ctx.fail(what, details or [], diagnoses=[diagnosis("non-finite", what)])


def expect_close(ctx: CheckContext, got, expected, name: str, dtype, scale: float | None = None,
                 named: dict[str, int] | None = None, details: list[str] | None = None,
                 extra_rtol: float = 0.0, extra_atol: float = 0.0) -> None:
    """Per-element agreement with the float64 expected value, tolerances by `dtype`.
    `extra_rtol`/`extra_atol`: rounding that the inputs themselves force on any correct
    result, added to the dtype's own (see `cmp.log_prob_error` for large logits)."""
    expected = np.asarray(expected, dtype=np.float64)
    magnitude = float(np.max(np.abs(expected))) if expected.size else 0.0
    rtol, atol = cmp.tolerances(dtype, max(magnitude, scale or 0.0))
    rtol, atol = rtol + extra_rtol, atol + extra_atol
    mismatch = cmp.compare(got, expected, rtol, atol)
    if mismatch is None:
        return
    ctx.blame(got)
    message, lines = cmp.describe(name, mismatch, named)
    lines.append(f"tolerance: |got - expected| <= {atol:.2g} + {rtol:.2g}·|expected| ({np.dtype(dtype)})")
    ctx.fail(message, lines + (details or []), diagnoses=value_diagnoses(name, mismatch, named))


def value_diagnoses(name: str, mismatch: cmp.Mismatch, named: dict[str, int] | None = None) -> list[Diagnosis]:
    """Mistakes recognisable from one comparison alone. A factor of B is not one of
    them: it needs a second batch size to tell it from a constant (expect_batch_scaling).
    It only supports a 1/B finding that check proves (see batch_factor_support)."""
    factor = mismatch.clean_factor
    if mismatch.transposed:
        return [diagnosis("wrong-transpose", f"{name} equals the transpose of the expected value")]
    if factor is not None and abs(factor + 1) < 1e-3 and mismatch.size > 1:
        return [diagnosis("sign-flip", f"{name} is exactly -1× the expected")]
    return batch_factor_support(name, factor, named)


def batch_factor_support(name: str, factor: float | None, named: dict[str, int] | None) -> list[Diagnosis]:
    """A value off by exactly B (or 1/B) at one batch size: on its own a constant could do
    that, so the finding only *supports* a missing (or extra) 1/B. It is kept when another
    check of the kata proves that mistake at several batch sizes, and dropped otherwise
    (grader.model.problems.settle_supporting)."""
    B = (named or {}).get("B")
    if factor is None or not B or B < 2:
        return []
    # Each mistake that scales by B (or 1/B) could be the one proven elsewhere.
    if abs(factor - B) <= 1e-6 * B:
        ids, text = ("missing-1-over-B", "summed-loss"), f"{name} is exactly B× the expected at B = {B}"
    elif abs(factor * B - 1) <= 1e-6:
        ids, text = ("extra-1-over-B", "bias-averaged"), f"{name} is exactly 1/B× the expected at B = {B}"
    else:
        return []
    return [diagnosis(id, text, supports=True) for id in ids]


def expect_grads(ctx: CheckContext, grads, shapes: dict[str, tuple], dtype) -> dict:
    """A dict with the keys in `shapes`, each an array of that shape. A key missing or
    wrong is set aside (see expect_arrays); the tensors that are fine come back."""
    if not isinstance(grads, dict):
        ctx.blame(grads)
        ctx.fail(f"grads should be a dict with keys {', '.join(shapes)}, got {type_name(grads)}")
    missing = [k for k in shapes if k not in grads]
    for k in missing:  # one message for all of them (set_aside keeps the first record of each)
        ctx.set_aside(f"grads[{k!r}]", f"grads is missing {', '.join(missing)} (it should have {', '.join(shapes)})",
                      ["the gradient with respect to the input X is part of the contract"] if "X" in missing else [],
                      reason="which is missing")
    # In a dict of parameter gradients, the 1-D ones belong to biases.
    return expect_arrays(ctx, grads, shapes, dtype, label=lambda k: f"grads[{k!r}]",
                         biases=tuple(k for k, shape in shapes.items() if len(shape) == 1))


def matches(got, want, dtype=np.float64, scale: float | None = None) -> bool:
    """`got` has `want`'s shape and equals it within the tolerances a correct result
    gets in `dtype` on quantities of `want`'s size (or `scale`, if larger; see
    compare.py). Never raises on learner values that are not numbers."""
    want = np.asarray(want, dtype=np.float64)
    magnitude = float(np.max(np.abs(want))) if want.size else 0.0
    rtol, atol = cmp.tolerances(dtype, max(magnitude, scale or 0.0))
    try:
        return np.shape(got) == want.shape and cmp.compare(got, want, rtol, atol) is None
    except cmp.UnreadableValue:
        return False


def same(a, b) -> bool:
    """Exactly equal (arrays bit for bit, NaN equal to NaN), through dicts and sequences."""
    if isinstance(a, TensorInfo) and isinstance(b, TensorInfo):
        return same(a.value, b.value)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            a, b = np.asarray(a), np.asarray(b)
            return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        except (TypeError, ValueError):  # a learner value NumPy cannot hold: not the same
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, Opaque) and isinstance(b, Opaque):
        return True  # learner-private objects (a cache) are not compared
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def expect_repeatable(ctx: CheckContext, fn: str, *args, first=None, explain: str = "") -> None:
    """Calling `fn(*args)` again gives the same answer (no hidden state between calls)."""
    if first is None:
        first = ctx.call(fn, *args)
    second = ctx.call(fn, *args)
    if not same(first, second):
        ctx.fail(f"calling {fn} twice with the same inputs gave different results",
                 [explain or "the function keeps state between calls (a global, a default argument, or a cache "
                  "it modifies); each call should depend only on its arguments"],
                 diagnoses=[diagnosis("not-repeatable", f"{fn} returned something different the second time")])
