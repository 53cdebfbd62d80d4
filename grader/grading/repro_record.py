"""Recording what a grade asks of the learner's code, for `kata repro`.

An observer on `CheckContext` (its optional `recorder`) keeps each check's calls: the
arguments the grader sent, what came back, and the handle of a result kept in the
learner's process (a cache that a later call reads through a `Ref`).
"""
from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from pathlib import Path

from grader.curriculum.kata import Kata
from grader.sandbox.codec import AsFunction, AsTensor

MISSING = object()   # the value of a call that raised (or never returned)


@dataclass(eq=False)   # calls are told apart by identity: their arguments are arrays
class Call:
    """One call of a learner function, as the grader made it."""
    fn: str
    args: tuple
    keep: bool
    value: object = MISSING
    handle: int | None = None


@dataclass
class Recorder:
    """Every learner call of every check, by check name, in order."""
    calls: dict[str, list[Call]] = field(default_factory=dict)

    def wrap(self, process, check):
        """What a CheckContext of `check` calls the learner through."""
        return _RecordingProcess(process, self.calls.setdefault(check.name, []))


class _RecordingProcess:
    """The learner process as a check sees it, keeping a copy of each call."""

    def __init__(self, process, calls: list[Call]):
        self._process = process
        self._calls = calls

    def call(self, fn: str, *args, keep: bool = False):
        # A copy: checks reuse and change their arrays after a call.
        entry = Call(fn, _copy(args), keep)
        self._calls.append(entry)
        result = self._process.call(fn, *args, keep=keep)
        entry.value, entry.handle = result.value, result.handle
        return result

    def __getattr__(self, name):
        return getattr(self._process, name)


def _copy(value):
    if isinstance(value, AsFunction):
        return value   # a grader function: nothing to copy, and it may not deep-copy
    if isinstance(value, AsTensor):
        return AsTensor(copy.deepcopy(value.value), value.requires_grad)
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - recorded as it is
        return value


@contextlib.contextmanager
def recording():
    """Record the learner calls of every check graded inside the block."""
    from grader.checks.context import CheckContext

    recorder = Recorder()
    CheckContext.recorder = recorder
    try:
        yield recorder
    finally:
        CheckContext.recorder = None


def grade_recorded(kata: Kata, workspace: Path, seed: int, only: list[str] | None = None):
    """(KataResult, Recorder): `kata` graded in `workspace` at `seed`, every call recorded."""
    from grader.grading.engine import grade_kata

    with recording() as recorder:
        result = grade_kata(kata, workspace, seed, only=only)
    return result, recorder


def leaves(value):
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    else:
        yield value
