"""What a check is, and what it sees: `@check`, `CheckContext`, `CheckFailed`.

A check is a function decorated with `@check(...)` that receives a `CheckContext`.
It calls the learner's functions through `ctx.call(...)` (which runs them in the
sandbox and catches in-place modification of any argument), validates what came
back with the `expect_*` helpers, and either returns (pass, or warn if it called
`ctx.warn`) or stops with `ctx.fail(...)`.

One broken tensor need not hide the others' bugs: `expect_grads` sets a tensor of
the wrong shape, dtype or type aside (`ctx.set_aside`) and hands the check the rest,
so it goes on judging those. At the end of the check the tensors set aside become
one failure, together with whatever else the check found; a check that needs a
tensor that was set aside says so in one line (`ctx.needs`).
"""
from __future__ import annotations

import ast
import contextlib
import functools
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from grader.curriculum import loading
from grader.model.diagnoses import Diagnosis, diagnosis
from grader.sandbox.codec import AsFunction, AsTensor, Opaque, Ref, TensorInfo


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    hint: int | None
    run: Callable


def check(name: str, title: str, hint: int | None = None):
    """Declare a check: `name` is its stable id, `title` says what it verifies."""
    def wrap(func):
        @functools.wraps(func)
        def run(ctx):
            try:
                func(ctx)
            except CheckFailed as failure:
                if isinstance(ctx, CheckContext):
                    ctx.fold_set_aside(failure)
                raise
            if isinstance(ctx, CheckContext):
                ctx.raise_set_aside()
        return Check(name, title, hint, run)
    return wrap


class CheckFailed(Exception):
    def __init__(self, message: str, details: list[str] | None = None, diagnoses: list[Diagnosis] | None = None):
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


class CallText:
    """A learner call as a report shows it, written out only when something reads it:
    checks make dozens of calls, and a report names one or two of them."""
    __slots__ = ("_fn", "_names", "_args", "_text")

    def __init__(self, fn: str, names: list[str], args: tuple):
        # Dicts copied (shallowly): a check may rebind a key after the call.
        self._fn, self._names = fn, names
        self._args = tuple(dict(a) if isinstance(a, dict) else a for a in args)
        self._text = None

    def __str__(self) -> str:
        if self._text is None:
            names = self._names
            shown = ", ".join(f"{names[i] if i < len(names) else f'arg{i}'}={describe_value(a)}"
                              for i, a in enumerate(self._args))
            self._text = f"{self._fn}({shown})"
            self._args = ()
        return self._text


def _text(call) -> str | None:
    return None if call is None else str(call)


def describe_value(value) -> str:
    """Arrays by shape and dtype, e.g. 'float32[7, 3]', never their numbers; scalars
    (ints, floats, bools, short strings) by their value, as the call was made."""
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
    if isinstance(value, (bool, int, np.integer, np.bool_)) or value is None:
        return str(value)
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, str) and len(value) <= 40:
        return repr(value)
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
def parameter_names(path: str) -> dict[str, list[str]]:
    """Parameter names of each function in a reference file, read without importing it
    (importing part5's reference would load torch into the grader's process)."""
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except (OSError, SyntaxError):
        return {}
    return {node.name: [a.arg for a in node.args.args] for node in tree.body if isinstance(node, ast.FunctionDef)}


@dataclass
class SetAside:
    """A returned tensor too broken to judge (wrong shape, dtype or type, or missing)."""
    name: str                 # as the report names it, e.g. "grads['b1']"
    message: str              # the failure it would have been on its own
    details: list[str]
    diagnoses: list[Diagnosis]
    reason: str               # completes "needs grads['b1'], ...", e.g. "whose shape is wrong"
    call: str | None          # the call that returned it


class Usable(dict):
    """The tensors of one result that can be judged. Asking for one that was set aside
    fails the check with a line saying it needs that tensor (`ctx.needs`)."""

    def __init__(self, ctx, values: dict, labels: dict):
        super().__init__(values)
        self._ctx, self._labels = ctx, labels

    def __missing__(self, key):
        self._ctx.needs(self._labels.get(key, repr(key)))
        raise KeyError(key)  # needs() fails when the tensor was set aside; any other key is a grader bug


class CheckContext:
    """What one check sees: the learner's functions, its seeded RNG, and the reference."""

    recorder = None  # optional observer of learner calls (`kata repro`, grader.grading.repro)

    def __init__(self, process, kata, check_: Check, seed: int):
        self._process = process if self.recorder is None else self.recorder.wrap(process, check_)
        self.kata = kata
        self.check = check_
        self.seed = seed
        self.rng = np.random.default_rng([seed, zlib.crc32(check_.name.encode())])
        self.warnings: list[tuple[str, list[str], list[Diagnosis]]] = []
        self.notes: list[str] = []
        self.findings: list[Diagnosis] = []  # diagnoses recognised so far; attached to the failure
        self._last_call: CallText | str | None = None
        self.calls: dict[str, int] = {}  # how many times each learner function was called
        self.aside: dict[str, SetAside] = {}  # by name, the first time each was seen broken
        self._origins: dict[int, tuple[object, CallText]] = {}  # id(returned value) -> (value, the call)

    @property
    def last_call(self) -> str | None:
        """The call a failure shows (the one that returned the failing value, when known)."""
        return _text(self._last_call)

    @last_call.setter
    def last_call(self, call) -> None:
        self._last_call = call

    # -- the reference (trusted, runs here) --------------------------------
    @property
    def ref(self):
        return loading.reference(self.kata)

    def reference_file(self, filename: str):
        """Another reference module of the same kata source, e.g. part4's for part5."""
        return loading.reference_module(self.kata, filename)

    def arg_names(self, fn: str) -> list[str]:
        return parameter_names(str(self.kata.reference_path)).get(fn, [])

    # -- calling the learner -------------------------------------------------
    def call(self, fn: str, *args, keep: bool = False):
        """Call the learner's `fn(*args)` in the sandbox; fail if it modified an argument."""
        names = self.arg_names(fn)
        call = self._last_call = CallText(fn, names, args)
        self.calls[fn] = self.calls.get(fn, 0) + 1
        result = self._process.call(fn, *args, keep=keep)
        self._remember(result.value, call)
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

    # -- which call returned a value -----------------------------------------
    def _remember(self, value, call: CallText, depth: int = 0) -> None:
        """Note the call that returned `value` and the arrays and numbers inside it, so a
        failure about one of them shows that call, not whichever call came last."""
        if isinstance(value, (np.ndarray, TensorInfo, float, np.generic)):
            self._origins[id(value)] = (value, call)  # the value is kept alive: its id stays unique
        elif depth < 3 and isinstance(value, (tuple, list)):
            for v in value:
                self._remember(v, call, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for v in value.values():
                self._remember(v, call, depth + 1)

    def same_origin(self, derived, value):
        """`derived` (e.g. float(loss)) came from the same call as `value`; returns it."""
        found = self._origins.get(id(value))
        if found and found[0] is value:
            self._origins[id(derived)] = (derived, found[1])
        return derived

    def blame(self, value) -> None:
        """The failure about to be raised concerns `value`: show the call that returned it."""
        found = self._origins.get(id(value))
        if found and found[0] is value:
            self.last_call = found[1]

    def origin(self, value) -> str | None:
        found = self._origins.get(id(value))
        return str(found[1]) if found and found[0] is value else None

    # -- tensors too broken to judge ------------------------------------------
    def set_aside(self, name: str, message: str, details: list[str] | None = None,
                  diagnoses: list[Diagnosis] | None = None, reason: str = "which is wrong", value=None) -> None:
        """Record a broken tensor instead of failing at once: the check goes on with
        the others, and this becomes part of its failure at the end."""
        if name not in self.aside:
            self.aside[name] = SetAside(name, message, list(details or []), list(diagnoses or []), reason,
                                        self.origin(value) or self.last_call)

    def or_set_aside(self, name: str, expect, *args, **kwargs):
        """`expect(*args, **kwargs)` (an expect_* helper), or None with its failure set
        aside under `name` when it fails: the check goes on with the other values."""
        try:
            return expect(*args, **kwargs)
        except CheckFailed as failure:
            self.set_aside(name, failure.message, failure.details, failure.diagnoses,
                           reason="which is not what the contract says")
            return None

    def needs(self, *names: str) -> None:
        """Fail in one line when this check cannot go on without a tensor set aside."""
        for name in names:
            broken = self.aside.get(name)
            if broken:
                self.last_call = broken.call
                raise CheckFailed(f"cannot judge this without {name}, {broken.reason}",
                                  [broken.message], list(broken.diagnoses) + self.findings)

    def fold_set_aside(self, failure: "CheckFailed") -> None:
        """Add the tensors set aside to a failure the check raised about other things."""
        for broken in self.aside.values():
            also = f"also: {broken.message}"
            if broken.message != failure.message and broken.message not in failure.details \
                    and also not in failure.details:
                failure.details.append(also)
            failure.diagnoses.extend(d for d in broken.diagnoses if d not in failure.diagnoses)

    def raise_set_aside(self) -> None:
        """At the end of a check that found nothing else wrong: the tensors set aside
        are its failure."""
        if not self.aside:
            return
        first, *rest = self.aside.values()
        self.last_call = first.call
        diagnoses = [d for b in self.aside.values() for d in b.diagnoses]
        also = list(dict.fromkeys(f"also: {b.message}" for b in rest if b.message != first.message))
        judged = "everything else this check compared is right"  # it ran to the end without failing
        raise CheckFailed(first.message, first.details + also + [judged], diagnoses + self.findings)

    # -- outcomes ---------------------------------------------------------------
    def fail(self, message: str, details: list[str] | None = None, diagnoses: list[Diagnosis] | None = None):
        raise CheckFailed(message, details, list(diagnoses or []) + self.findings)

    def warn(self, message: str, details: list[str] | None = None, diagnoses: list[Diagnosis] | None = None) -> None:
        self.warnings.append((message, details or [], list(diagnoses or [])))

    def diagnose(self, id: str | Diagnosis, evidence: str = "", **extra) -> None:
        """Record a recognised mistake (an id with its evidence, or a finding already
        made with `diagnosis(...)`); the next failure in this check carries it."""
        self.findings.append(id if isinstance(id, Diagnosis) else diagnosis(id, evidence, **extra))

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
