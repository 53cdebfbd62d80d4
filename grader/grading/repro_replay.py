"""Which recorded call a failure is about, and what correct code returns for it.

`Replay` runs the kata's reference on the very inputs of recorded calls (rebuilding
a cache a call reads with the reference's own forward pass); for a torch kata that
happens in a child interpreter, since the grader's process never imports torch.
"""
from __future__ import annotations

import copy

from grader.curriculum import loading
from grader.curriculum.kata import Kata
from grader.grading.repro_record import MISSING, Call, leaves
from grader.sandbox.codec import AsFunction, AsTensor, Opaque, Ref, TensorInfo


class Replay:
    """The reference run on the very inputs of recorded calls (trusted code, here)."""

    def __init__(self, kata: Kata, calls: list[Call]):
        self.kata = kata
        self.calls = calls
        self._ref = None
        self._outputs: dict[int, object] = {}
        # A torch kata's reference imports torch, which the grader's process never does:
        # its expected parts are computed in a child interpreter, all calls at once.
        self._parts: list | None = None if kata.framework == "numpy" else _expected_elsewhere(kata, calls)

    def expected_parts(self, call: Call) -> dict[str, object]:
        """`compared_parts` of the reference's result for `call`; ReproError if there is none."""
        if self._parts is not None:
            parts = self._parts[self.calls.index(call)]
            if isinstance(parts, str):
                raise ReproError(parts)
            return parts
        try:
            parts = compared_parts(call, self.expected(call))
            ranges = getattr(loading.checks_module(self.kata), "REPRO_RANGES", {})
            if call.fn in ranges and list(parts) == [""]:   # a single array: the range is the whole result
                accepted = ranges[call.fn](*[self._resolve(a) for a in call.args])
                if accepted is not None:
                    parts[""] = parts[""] + (tuple(accepted),)
            return parts
        except ReproError:
            raise
        except Exception as exc:  # noqa: BLE001 - trusted code, but not made for every input
            raise ReproError(f"the reference could not run on these inputs ({type(exc).__name__}: {exc})") from exc

    @property
    def ref(self):
        if self._ref is None:
            self._ref = loading.reference(self.kata)
        return self._ref

    def producer(self, ref: Ref) -> Call | None:
        """The call whose kept result `ref` points into."""
        for c in self.calls:
            if c.keep and c.handle == ref.handle:
                return c
        return None

    def chain(self, call: Call) -> list[Call]:
        """The calls that must run before `call` to rebuild what it reads (caches), then `call`."""
        before: list[Call] = []
        for arg in leaves(call.args):
            if isinstance(arg, Ref):
                source = self.producer(arg)
                if source is None:
                    raise ReproError("it reads a value kept from a call that was not recorded")
                for c in self.chain(source):
                    if c not in before:
                        before.append(c)
        return before + [call]

    def expected(self, call: Call):
        """What the reference returns for `call` (its cached inputs rebuilt by the reference too)."""
        key = id(call)
        if key not in self._outputs:
            fn = getattr(self.ref, call.fn)
            self._outputs[key] = fn(*[self._resolve(a) for a in call.args])
        return self._outputs[key]

    def _resolve(self, value):
        if isinstance(value, Ref):
            out = self.expected(self.producer(value))
            for i in value.index:
                out = out[i]
            return out
        if isinstance(value, AsFunction):
            return value.function
        if isinstance(value, AsTensor):
            import torch   # only ever in the child interpreter of _expected_elsewhere

            return torch.tensor(value.value, requires_grad=value.requires_grad)
        if isinstance(value, tuple):
            return tuple(self._resolve(v) for v in value)
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        return copy.deepcopy(value)


class ReproError(Exception):
    """Why a case cannot be written as a script, in the learner's terms."""


def kind_of(value) -> str:
    """What sort of value a result part is, in the words the script prints: "array",
    "number", "tensor" or "tensor on the graph" (one that requires grad)."""
    import numpy as np

    if isinstance(value, TensorInfo):
        return "tensor on the graph" if value.requires_grad else "tensor"
    if hasattr(value, "detach") and hasattr(value, "requires_grad"):   # a tensor of the reference
        return "tensor on the graph" if value.requires_grad else "tensor"
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return "array"
    if isinstance(value, (bool, int, float, np.number, np.bool_, np.ndarray)):
        return "number"
    return type(value).__name__


def numbers(value):
    """The numbers of a result part (a tensor's values), or MISSING."""
    import numpy as np

    if isinstance(value, TensorInfo):
        value = value.value
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (bool, int, float, np.number, np.bool_, np.ndarray)):
        return value
    return MISSING


def compared_parts(call: Call, value) -> dict[str, tuple]:
    """The parts of a result that the script compares, by access path (e.g. "[0]",
    "['W1']"), each as (numbers, kind). The result of a call whose value is kept (a
    forward pass and its cache) is compared at its top level only: the cache is the
    learner's own design, free to differ from the reference's."""
    out: dict[str, tuple] = {}

    def walk(v, path, depth):
        if numbers(v) is not MISSING:
            out[path] = (numbers(v), kind_of(v))
        elif isinstance(v, dict) and (depth == 0 or not call.keep):
            for k, item in v.items():
                walk(item, f"{path}[{k!r}]", depth + 1)
        elif isinstance(v, (tuple, list)) and (depth == 0 or not call.keep):
            for i, item in enumerate(v):
                walk(item, f"{path}[{i}]", depth + 1)

    walk(value, "", 0)
    return out


def part_of(value, path: str):
    """`value` at an access path made by `compared_parts` (a tensor still a TensorInfo), or MISSING."""
    import ast

    steps = ast.parse("v" + path, mode="eval").body
    keys = []
    while isinstance(steps, ast.Subscript):
        keys.append(ast.literal_eval(steps.slice))
        steps = steps.value
    for k in reversed(keys):
        if isinstance(value, TensorInfo):
            value = value.value
        try:
            value = value[k]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return MISSING if isinstance(value, Opaque) else value


def tolerance(expected, inputs_scale: float) -> tuple[float, float]:
    """(rtol, atol) for one compared part: the grader's per-dtype tolerance, its
    absolute floor set by the larger of the result's and the inputs' magnitude (large
    logits round any correct result at their own size)."""
    import numpy as np

    from grader.checks import compare as cmp

    arr = np.asarray(expected)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    scale = max(float(np.max(np.abs(arr))) if arr.size and arr.dtype.kind in "fiu" else 0.0, inputs_scale, 1.0)
    return cmp.tolerances(dtype, scale)


def inputs_scale(calls: list[Call]) -> float:
    import numpy as np

    top = 0.0
    for c in calls:
        for leaf in leaves(c.args):
            leaf = leaf.value if isinstance(leaf, AsTensor) else leaf
            if isinstance(leaf, np.ndarray) and leaf.size and leaf.dtype.kind in "fiu":
                top = max(top, float(np.max(np.abs(leaf))))
    return top


def differs(got, want, rtol: float, atol: float, accepted=None) -> bool:
    """Whether `got` is off `want` beyond (rtol, atol); `accepted`: (low, high), a range
    per entry that the checks accept besides `want` (see REPRO_RANGES)."""
    import numpy as np

    if got is MISSING:
        return True
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return True
    e = np.asarray(want, dtype=np.float64)
    if g.shape != e.shape:
        return True
    if accepted is not None:   # measured from the nearest accepted value
        e = np.clip(g, *accepted) if np.isfinite(g).all() else e
    with np.errstate(invalid="ignore"):
        ok = (np.abs(g - e) <= atol + rtol * np.abs(e)) | (np.isnan(g) & np.isnan(e)) | (g == e)
    return not bool(ok.all())


def call_differs(replay: Replay, call: Call) -> bool:
    """Whether the learner's result for `call` is not what the reference gives."""
    if call.value is MISSING:
        return True
    want = replay.expected_parts(call)
    scale = inputs_scale(replay.chain(call))
    for path, (w, kind, *accepted) in want.items():
        got = part_of(call.value, path)
        if got is MISSING or kind_of(got) != kind or differs(numbers(got), w, *tolerance(w, scale), *accepted):
            return True
    return False


def choose_call(replay: Replay, failed: bool) -> tuple[Call, str]:
    """(the call to reproduce, why that one). A failing check: the call in flight when
    it stopped, else the first one whose result is not the reference's, else the last
    one. A check that passed: its first call."""
    calls = replay.calls
    if not calls:
        raise ReproError("this check never called your functions")
    if not failed:   # the first call, or, if that one only builds a cache, the first call that reads it
        first = calls[0]
        readers = [c for c in calls if first.keep and any(isinstance(a, Ref) and a.handle == first.handle
                                                             for a in leaves(c.args))]
        return (readers[0] if readers else first), "the check passed; this is its first case"
    if calls[-1].value is MISSING:
        return calls[-1], "the call that was running when the check stopped"
    # The first wrong result, not the last: a check that gathers several runs before it
    # judges them (two batch sizes, two dtypes) reports the first one that is off.
    for call in calls:
        try:
            if call_differs(replay, call):
                return call, "the first call in the check whose result is not what correct code returns"
        except ReproError:  # the reference cannot run on it: judge the next one
            continue
    return calls[-1], ("the check's last call: each of its results is what correct code returns, so what failed "
                       "lies between calls (an input changed in place, state kept from one call to the next, "
                       "how results at two batch sizes relate)")


def _expected_elsewhere(kata: Kata, calls: list[Call]) -> list:
    """For each call, its expected parts or why there are none, computed by
    grader.grading.repro_expected in a child interpreter (trusted code on the
    grader's own inputs: no sandbox needed, only a process that may import torch)."""
    import pickle
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-m", "grader.grading.repro_expected"],
                              input=pickle.dumps((kata, calls)), capture_output=True, timeout=120)
        if done.returncode == 0:
            return pickle.loads(done.stdout)
        why = (done.stderr.decode(errors="replace").strip().splitlines() or ["it failed"])[-1]
    except (OSError, subprocess.TimeoutExpired, pickle.PickleError) as exc:
        why = f"{type(exc).__name__}: {exc}"
    return [f"the reference could not be run ({why})"] * len(calls)
