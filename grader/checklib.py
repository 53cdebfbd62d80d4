"""The building blocks every kata's `checks.py` uses.

A check is a function decorated with `@check(...)` that receives a `CheckContext`.
It calls the learner's functions through `ctx.call(...)` (which runs them in the
sandbox and catches in-place modification of any argument), validates what came
back with the `expect_*` helpers, and either returns (pass, or warn if it called
`ctx.warn`) or stops with `ctx.fail(...)`.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from grader import compare as cmp
from grader.sandbox.codec import AsFunction, AsTensor, Opaque, Ref, TensorInfo
from grader.diagnoses import diagnosis


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    hint: int | None
    run: Callable


def check(name: str, title: str, hint: int | None = None):
    """Declare a check: `name` is its stable id, `title` says what it verifies."""
    def wrap(func):
        return Check(name, title, hint, func)
    return wrap


class CheckFailed(Exception):
    def __init__(self, message: str, details: list[str] | None = None, diagnoses: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.diagnoses = diagnoses or []


def type_name(value) -> str:
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, TensorInfo):
        return "torch.Tensor"
    if isinstance(value, np.ndarray):
        return "np.ndarray"
    return type(value).__name__


def describe_value(value) -> str:
    """Shape-and-dtype summary, e.g. 'float32[7, 3]', never the numbers themselves."""
    if isinstance(value, AsTensor):
        return "tensor " + describe_value(value.value)
    if isinstance(value, AsFunction):
        return value.name
    if isinstance(value, TensorInfo):
        return f"tensor {value.dtype}{list(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Ref):
        return "cache"
    if isinstance(value, (list, tuple)) and len(value) <= 6:
        inner = ", ".join(describe_value(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return type_name(value)


def _first_difference(before, after) -> str | None:
    """Where `after` differs from `before` (both plain data), or None if equal."""
    if isinstance(before, AsTensor):
        before = before.value
    if isinstance(after, TensorInfo):
        after = after.value
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape:
            return "replaced"
        changed = ~((before == after) | (np.isnan(before) & np.isnan(after)) if before.dtype.kind in "fc"
                    else (before == after))
        if changed.any():
            idx = np.argwhere(changed)[0]
            return "entry [" + ", ".join(str(int(i)) for i in idx) + "] changed"
        return None
    if isinstance(before, dict):
        for key, value in before.items():
            if not isinstance(after, dict) or key not in after:
                return f"key {key!r} removed"
            where = _first_difference(value, after[key])
            if where:
                return f"[{key!r}] {where}"
        return None
    return None


@functools.lru_cache(maxsize=None)
def _parameter_names(path: str) -> dict[str, list[str]]:
    """Parameter names of each function in a reference file, read without importing it
    (importing part5's reference would load torch into the grader's process)."""
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except (OSError, SyntaxError):
        return {}
    return {node.name: [a.arg for a in node.args.args] for node in tree.body if isinstance(node, ast.FunctionDef)}


class CheckContext:
    """What one check sees: the learner's functions, its seeded RNG, and the reference."""

    def __init__(self, process, kata, check_: Check, seed: int):
        self._process = process
        self.kata = kata
        self.check = check_
        self.seed = seed
        self.rng = np.random.default_rng([seed, zlib.crc32(check_.name.encode())])
        self.warnings: list[tuple[str, list[str], list[dict]]] = []
        self.notes: list[str] = []
        self.findings: list[dict] = []  # diagnoses recognised so far; attached to the failure
        self.last_call: str | None = None
        self.calls: dict[str, int] = {}  # how many times each learner function was called

    # -- the reference (trusted, runs here) --------------------------------
    @property
    def ref(self):
        return self.kata.reference

    def reference_file(self, filename: str):
        """Another reference module of the same kata source, e.g. part4's for part5."""
        return self.kata.reference_module(filename)

    def arg_names(self, fn: str) -> list[str]:
        return _parameter_names(str(self.kata.reference_path)).get(fn, [])

    # -- calling the learner -------------------------------------------------
    def call(self, fn: str, *args, keep: bool = False):
        """Call the learner's `fn(*args)` in the sandbox; fail if it modified an argument."""
        names = self.arg_names(fn)
        shown = ", ".join(f"{names[i] if i < len(names) else f'arg{i}'}={describe_value(a)}"
                          for i, a in enumerate(args))
        self.last_call = f"{fn}({shown})"
        self.calls[fn] = self.calls.get(fn, 0) + 1
        result = self._process.call(fn, *args, keep=keep)
        for i, (before, after) in enumerate(zip(args, result.args_after)):
            where = _first_difference(before, after)
            if where:
                name = names[i] if i < len(names) else f"argument {i + 1}"
                advice = (f"copy before changing it ({name} = {name}.copy()), or use out-of-place ops"
                          if isinstance(before, np.ndarray) else
                          "copy each array before changing it (a dict copy is shallow: the arrays are shared), "
                          "or use out-of-place ops")
                nth = self.calls[fn]
                self.fail(f"{fn} modified its input {name} in place ({where})",
                          [advice + "; the caller still needs the original"],
                          diagnoses=[diagnosis("input-mutated", f"{fn} changed its argument {name} "
                                                                f"on call {nth} of this check ({where})",
                                               function=fn, argument=name, call_number=nth)])
        return (result.value, result.handle) if keep else result.value

    # -- outcomes ---------------------------------------------------------------
    def fail(self, message: str, details: list[str] | None = None, diagnoses: list[dict] | None = None):
        raise CheckFailed(message, details, list(diagnoses or []) + self.findings)

    def warn(self, message: str, details: list[str] | None = None, diagnoses: list[dict] | None = None) -> None:
        self.warnings.append((message, details or [], list(diagnoses or [])))

    def diagnose(self, id: str, evidence: str = "", **extra) -> None:
        """Record a recognised mistake; the next failure in this check carries it."""
        self.findings.append(diagnosis(id, evidence, **extra))

    @contextlib.contextmanager
    def explains_failure(self, id: str, evidence: str = ""):
        """Any failure inside the block is put down to diagnosis `id`: for probes whose
        only way to fail is that mistake (e.g. NaN after shifting every logit by 1000)."""
        try:
            yield
        except CheckFailed as failure:
            failure.diagnoses.insert(0, diagnosis(id, evidence))
            raise

    def note(self, message: str) -> None:
        self.notes.append(message)


# -- validating what came back -----------------------------------------------

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


def _shape_diagnosis(got: tuple, want: tuple, bias: bool) -> dict:
    if len(want) == 2 and got == want[::-1]:
        return diagnosis("wrong-transpose", f"shape {got} is the transpose of {want}")
    if bias and len(want) == 1 and got in ((1, want[0]), (want[0], 1)):
        return diagnosis("bias-keepdims", f"shape {got} where the bias has shape {want}")
    if bias and len(want) == 1 and len(got) == 1:
        return diagnosis("bias-wrong-axis", f"{got[0]} entries where the bias has {want[0]}: "
                                            "summed over an axis other than the batch")
    return diagnosis("wrong-shape", f"shape {got}, expected {want}")


def expect_array(ctx: CheckContext, value, name: str, shape: tuple, dtype, bias: bool = False) -> np.ndarray:
    """An np.ndarray of exactly `shape`; dtype per `check_dtype`. `bias`: the value is a
    bias gradient, whose classic shape mistakes have names of their own."""
    if isinstance(value, TensorInfo):
        ctx.fail(f"{name} is a torch.Tensor; this function should return a NumPy array",
                 ["convert with .detach().numpy()"])
    if value is None:
        ctx.fail(f"{name} is None: is a return statement missing?")
    if not isinstance(value, np.ndarray):
        ctx.fail(f"{name} should be a NumPy array of shape {shape}, got {type_name(value)}")
    if value.shape != tuple(shape):
        advice = _shape_advice(value.shape, tuple(shape))
        ctx.fail(f"{name} has shape {value.shape}, expected {tuple(shape)}", [advice] if advice else [],
                 diagnoses=[_shape_diagnosis(value.shape, tuple(shape), bias)])
    check_dtype(ctx, value, name, dtype)
    return value


def expect_scalar(ctx: CheckContext, value, name: str, dtype=None) -> float:
    """A loss: Python float, NumPy scalar or 0-d array (not shape (1,) or (B,))."""
    if isinstance(value, TensorInfo):
        ctx.fail(f"{name} is a torch.Tensor; this function should return a NumPy or Python number")
    if value is None:
        ctx.fail(f"{name} is None: is a return statement missing?")
    if isinstance(value, bool):
        ctx.fail(f"{name} should be a number, got {type_name(value)}")
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            ctx.fail(f"{name} is an integer with {len(str(abs(value))) if abs(value) < 10**4000 else 'thousands of'} "
                     "digits, too large for a float")
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.shape == ()):
        if np.asarray(value).dtype.kind not in "fiu":
            ctx.fail(f"{name} should be a real number, got dtype {np.asarray(value).dtype}")
        if dtype is not None:
            check_dtype(ctx, np.asarray(value), name, dtype)
        return float(value)
    if isinstance(value, np.ndarray):
        ctx.fail(f"{name} should be a scalar, got an array of shape {value.shape}",
                 ["average the per-example losses over the batch: .mean() gives a scalar"])
    ctx.fail(f"{name} should be a number, got {type_name(value)}")


def expect_finite(ctx: CheckContext, value, name: str, details: list[str] | None = None) -> None:
    arr = cmp.as_numbers(value)
    bad = ~np.isfinite(arr)
    if bad.any():
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
    message, lines = cmp.describe(name, mismatch, named)
    lines.append(f"tolerance: |got - expected| <= {atol:.2g} + {rtol:.2g}·|expected| ({np.dtype(dtype)})")
    ctx.fail(message, lines + (details or []), diagnoses=value_diagnoses(name, mismatch))


def value_diagnoses(name: str, mismatch: cmp.Mismatch) -> list[dict]:
    """Mistakes recognisable from one comparison alone. A factor of B is not one of
    them: it needs a second batch size to tell it from a constant (expect_batch_scaling)."""
    factor = mismatch.clean_factor
    if mismatch.transposed:
        return [diagnosis("wrong-transpose", f"{name} equals the transpose of the expected value")]
    if factor is not None and abs(factor + 1) < 1e-3 and mismatch.size > 1:
        return [diagnosis("sign-flip", f"{name} is exactly -1× the expected")]
    return []


def expect_grads(ctx: CheckContext, grads, shapes: dict[str, tuple], dtype) -> dict:
    """A dict with exactly the keys in `shapes`, each an array of that shape."""
    if not isinstance(grads, dict):
        ctx.fail(f"grads should be a dict with keys {', '.join(shapes)}, got {type_name(grads)}")
    missing = [k for k in shapes if k not in grads]
    if missing:
        ctx.fail(f"grads is missing {', '.join(missing)} (it should have {', '.join(shapes)})",
                 ["the gradient with respect to the input X is part of the contract"] if "X" in missing else [])
    # In a dict of parameter gradients, the 1-D ones belong to biases.
    return {k: expect_array(ctx, grads[k], f"grads[{k!r}]", shape, dtype, bias=len(shape) == 1)
            for k, shape in shapes.items()}


# -- one max for the whole batch ---------------------------------------------------

# Below these distances from a shared max, exp(z - max) of a row is still a normal
# number at full precision (half the exponent range, with room for the row's spread).
# Beyond the last one, exp underflows to exactly 0 in any float dtype, so every entry
# of such a row is 0 and its softmax is 0/0 (or log 0 = -inf).
def _near_distance(dtype) -> float:
    return 0.5 * float(-np.log(np.finfo(np.dtype(dtype)).tiny))


FAR_DISTANCE = float(-np.log(np.finfo(np.float64).smallest_subnormal)) + 1.0  # ~745.1


def shared_max_finding(row_max, row_bad, dtype, visible=None) -> str | None:
    """Evidence that a softmax subtracted one max shared by the whole batch, or None.

    `row_max`: each row's largest logit; `row_bad`: which rows of the result are broken
    (NaN/inf, or grossly wrong: far beyond any rounding); `visible`: rows whose result
    could show a broken softmax at all (default: every row). With one shared max m,
    row i is exact while its distance d_i = m - row_max[i] is small and is all zeros
    once d_i passes FAR_DISTANCE. The signature is exactly that: some row is broken,
    every broken row sits far below m, every row near m is right, and every visible
    row that is entirely underflowed is broken. A miss of a few ulps, or a miss in the
    rows near the max, is not this mistake, whatever the rows' offsets.
    """
    row_max = np.asarray(row_max, dtype=np.float64).ravel()
    bad = np.asarray(row_bad, dtype=bool).ravel()
    seen = np.ones_like(bad) if visible is None else np.asarray(visible, dtype=bool).ravel()
    if not np.isfinite(row_max).all() or not bad.any():
        return None
    distance = row_max.max() - row_max
    near, far = distance < _near_distance(dtype), distance > FAR_DISTANCE
    if (bad & near).any() or (seen & far & ~bad).any() or not (near & seen).any():
        return None
    rows = np.flatnonzero(bad)
    listed = ", ".join(map(str, rows[:6])) + (", ..." if len(rows) > 6 else "")
    n_near = int((near & seen).sum())
    return (f"row{'s' if len(rows) > 1 else ''} {listed}, whose largest logit is {distance[rows].min():.0f}"
            f"{f' to {distance[rows].max():.0f}' if len(rows) > 1 else ''} below the largest of the batch, "
            f"{'are' if len(rows) > 1 else 'is'} NaN/inf or wrong, while the {n_near} "
            f"row{'s' if n_near > 1 else ''} within {_near_distance(dtype):.0f} of it "
            f"{'are' if n_near > 1 else 'is'} exact ({np.dtype(dtype)}): the error follows each row's distance "
            "from one max shared by the batch, where exp(z - max) underflows")


# -- scaling with the batch size -------------------------------------------------

def _batch_kind(factors: list[tuple[int, float | None]]) -> str | None:
    """"B" or "1/B" when the factor follows the batch size at every B tried (at
    least two different ones), else None: a constant 7 at B = 7 is not a 1/B error."""
    if len({b for b, _ in factors}) < 2 or any(f is None for _, f in factors):
        return None
    for kind, target in (("B", lambda b: b), ("1/B", lambda b: 1 / b)):
        if all(abs(f - target(b)) <= 1e-3 * abs(target(b)) for b, f in factors):
            return kind
    return None


def expect_batch_scaling(ctx: CheckContext, runs, dtype=np.float64, what: str = "gradient",
                         biases: tuple[str, ...] = ()) -> None:
    """Every value agrees with the expected one in every run, where `runs` is a list of
    (B, got, want) with dicts name -> value at batch size B. When they do not, a
    factor of B or 1/B that holds at every batch size is named, with the tensors
    that carry it (which tells where it entered) and those that do not."""
    factors: dict[str, list] = {}
    first_bad = None
    for B, got, want in runs:
        for name, expected in want.items():
            expected = np.asarray(expected, dtype=np.float64)
            rtol, atol = cmp.tolerances(dtype, float(np.max(np.abs(expected))) if expected.size else 0.0)
            mismatch = cmp.compare(got[name], expected, rtol, atol)
            factors.setdefault(name, []).append((B, 1.0 if mismatch is None else mismatch.clean_factor))
            if mismatch is not None and first_bad is None:
                first_bad = (B, name, mismatch)
    if first_bad is None:
        return
    distinct = sorted(set(b for b, _, _ in runs))
    sizes = "B = " + (", ".join(map(str, distinct[:-1])) + " and " if len(distinct) > 1 else "") + str(distinct[-1])
    kinds = {name: _batch_kind(f) for name, f in factors.items()}
    carrying = [name for name, kind in kinds.items() if kind]
    if carrying and len({kinds[n] for n in carrying}) == 1:
        kind = kinds[carrying[0]]
        if what == "loss":
            id = "summed-loss" if kind == "B" else "extra-1-over-B"
        elif kind == "1/B" and all(n in biases for n in carrying):
            id = "bias-averaged"
        else:
            id = "missing-1-over-B" if kind == "B" else "extra-1-over-B"
        right = [n for n in factors if n not in carrying and all(f == 1.0 for _, f in factors[n])]
        evidence = f"{', '.join(carrying)}: exactly {kind}× the expected at {sizes}"
        if right:
            evidence += f"; {', '.join(right)}: correct"
        ctx.last_call = None  # several calls at several batch sizes showed it
        ctx.fail(f"{', '.join(carrying)} {'is' if len(carrying) == 1 else 'are'} exactly {kind}× the expected "
                 f"at every batch size tried ({sizes})",
                 [],  # the evidence says it all, including which tensors are right
                 diagnoses=[diagnosis(id, evidence, tensors=carrying)])
    B, name, mismatch = first_bad
    message, lines = cmp.describe(name, mismatch, {"B": B})
    ctx.fail(message, lines + [f"batch size B = {B}"], diagnoses=value_diagnoses(name, mismatch))


# -- finite differences --------------------------------------------------------

FD_STEP = 1e-5          # near the float64 optimum eps**(1/3) ~ 6e-6 for central differences
FD_REL_TOL = 1e-6       # measured error on these problems is ~1e-9; wrong gradients are off by O(1)
# Rounding in f(x±hu) costs about eps·|f|/h in the difference quotient. When u is nearly
# orthogonal to the gradient, ⟨g, u⟩ is tiny and only this absolute floor keeps a correct
# gradient from failing a purely relative test (seen about once in 3,000 random seeds).
FD_ROUNDING_FLOOR = 1000 * float(np.finfo(np.float64).eps) / FD_STEP


@dataclass(frozen=True)
class Directional:
    analytic: float
    numeric: float
    rel_err: float
    ok: bool


def directional_check(loss_at, grads: dict, point: dict, rng, directions: int = 3) -> list[Directional]:
    """Compare ⟨grad, u⟩ with (f(x+hu) - f(x-hu)) / 2h along random unit directions u.

    `point` maps names to float64 arrays; `loss_at(point)` returns the scalar loss.
    """
    out = []
    for _ in range(directions):
        u = {k: rng.standard_normal(v.shape) for k, v in point.items()}
        norm = np.sqrt(sum(float(np.sum(d * d)) for d in u.values()))
        u = {k: d / norm for k, d in u.items()}
        plus = loss_at({k: point[k] + FD_STEP * u[k] for k in point})
        minus = loss_at({k: point[k] - FD_STEP * u[k] for k in point})
        numeric = (plus - minus) / (2 * FD_STEP)
        analytic = sum(float(np.sum(np.asarray(grads[k], dtype=np.float64) * u[k])) for k in point)
        diff = abs(analytic - numeric)
        floor = FD_ROUNDING_FLOOR * max(abs(plus), abs(minus), 1.0)
        ok = bool(np.isfinite(diff) and diff <= FD_REL_TOL * (abs(analytic) + abs(numeric)) + floor)
        rel = diff / max(abs(analytic) + abs(numeric), 1e-300) if np.isfinite(diff) else float("inf")
        out.append(Directional(analytic, numeric, rel, ok))
    return out


def expect_directional(ctx: CheckContext, results: list[Directional], what: str) -> None:
    failed = [r for r in results if not r.ok]
    if failed:
        worst = max(failed, key=lambda r: r.rel_err)
        ratio = worst.analytic / worst.numeric if worst.numeric else float("nan")
        ctx.last_call = None  # many calls went into this; the details say what was compared
        ctx.fail(f"{what} disagrees with finite differences of your own forward pass",
                 [f"along a random direction u: ⟨{what}, u⟩ = {worst.analytic:.6g}, central difference = "
                  f"{worst.numeric:.6g} (rel err {worst.rel_err:.2g}, ratio {ratio:.4g}; step h = {FD_STEP:g}, "
                  "float64)",
                  "this test needs no reference: the backward pass must be the derivative of your forward pass"])


def expect_finite_differences(ctx: CheckContext, loss_at, grads: dict, point: dict, label=str,
                              directions: int = 2) -> None:
    """Per tensor: random directional derivatives of `loss_at` against `grads`, so a
    failure names the tensor whose gradient is wrong."""
    worst = 0.0
    for name in point:
        def along(p, name=name):
            return loss_at({**point, name: p[name]})

        results = directional_check(along, {name: grads[name]}, {name: point[name]}, ctx.rng, directions)
        expect_directional(ctx, results, label(name))
        worst = max(worst, max(r.rel_err for r in results))
    ctx.note(f"largest relative error {worst:.1e} over {directions} random directions per tensor "
             f"(central differences, h = {FD_STEP:g}, float64)")


# -- repeat calls ----------------------------------------------------------------

def _same(a, b) -> bool:
    if isinstance(a, TensorInfo) and isinstance(b, TensorInfo):
        return _same(a.value, b.value)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
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
    if not _same(first, second):
        ctx.fail(f"calling {fn} twice with the same inputs gave different results",
                 [explain or "the function keeps state between calls (a global, a default argument, or a cache "
                  "it modifies); each call should depend only on its arguments"],
                 diagnoses=[diagnosis("not-repeatable", f"{fn} returned something different the second time")])
