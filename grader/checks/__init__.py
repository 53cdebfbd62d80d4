"""The one way in for kata authors: everything a `checks.py` uses.

    from grader.checks import cases, cmp, check, expect_array, expect_close, matches, ...

- declaring checks: `check`, `Check`, `CheckContext` (`ctx.call`, `ctx.fail`,
  `ctx.warn`, `ctx.diagnose`, `ctx.explains_failure`, `ctx.ref`), `CheckFailed`;
- validating results: `expect_tuple`, `expect_array`, `expect_arrays`, `expect_scalar`,
  `expect_finite`, `expect_close`, `expect_grads`, `expect_repeatable`,
  `check_dtype`, `value_diagnoses`, `matches`, `same`;
- one broken tensor among several (`expect_arrays`, `expect_grads`) is set aside and
  reported at the end of the check, while the others are still judged (`ctx.needs`);
- the 1/B: `expect_batch_scaling`; finite differences: `expect_finite_differences`,
  `directional_check`, `expect_directional`; softmax stability: `shared_max_finding`;
- inputs: `cases` (hidden test inputs), `cmp` (tolerances and how a value is off);
- naming a mistake: `diagnosis`;
- handing values to the learner's code: `AsTensor`, `AsFunction`, `Ref`, and
  reading theirs: `TensorInfo`, `Opaque`, `LearnerFault`;
- a kata's own trusted files: `load_helpers(__file__, "functions.py")`.

A new kind of check is one function in this package.
"""
from __future__ import annotations

from grader.checks import cases
from grader.checks import compare as cmp
from grader.checks.batch import expect_batch_scaling
from grader.checks.context import Check, CheckContext, CheckFailed, check, describe_value, type_name
from grader.checks.expect import (check_dtype, expect_array, expect_arrays, expect_close, expect_finite, expect_grads,
                                  expect_repeatable, expect_scalar, expect_tuple, matches, same, value_diagnoses)
from grader.checks.finite import directional_check, expect_directional, expect_finite_differences
from grader.checks.stability import shared_max_finding
from grader.model.diagnoses import diagnosis
from grader.sandbox.codec import AsFunction, AsTensor, Opaque, Ref, TensorInfo
from grader.sandbox.faults import LearnerFault


def load_helpers(checks_file: str, filename: str):
    """A trusted helper module beside a kata's checks.py, imported once."""
    from grader.curriculum.loading import helper_module

    return helper_module(checks_file, filename)


__all__ = [
    "AsFunction", "AsTensor", "Check", "CheckContext", "CheckFailed", "LearnerFault", "Opaque", "Ref",
    "TensorInfo", "cases", "check", "check_dtype", "cmp", "describe_value", "diagnosis", "directional_check",
    "expect_array", "expect_arrays", "expect_batch_scaling", "expect_close", "expect_directional", "expect_finite",
    "expect_finite_differences", "expect_grads", "expect_repeatable", "expect_scalar", "expect_tuple",
    "load_helpers", "matches", "same", "shared_max_finding", "type_name", "value_diagnoses",
]
