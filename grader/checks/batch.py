"""The 1/B: values at several batch sizes, and a factor of B named only when it
follows B at every size tried."""
from __future__ import annotations

import numpy as np

from grader.checks import compare as cmp
from grader.checks.context import CheckContext
from grader.checks.expect import value_diagnoses
from grader.model.diagnoses import diagnosis


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
    that carry it and those that are right (together they tell where it entered: see
    the diagnosis's `tensors` and `correct`). A tensor missing from `got` (set aside as
    broken, see expect_grads) is left out of the comparison, and out of `correct`."""
    factors: dict[str, list] = {}
    first_bad = None
    unjudged = sorted({name for _, got, want in runs for name in want if name not in got})
    for B, got, want in runs:
        for name, expected in want.items():
            if name in unjudged:
                continue
            expected = np.asarray(expected, dtype=np.float64)
            rtol, atol = cmp.tolerances(dtype, float(np.max(np.abs(expected))) if expected.size else 0.0)
            mismatch = cmp.compare(got[name], expected, rtol, atol)
            factors.setdefault(name, []).append((B, 1.0 if mismatch is None else mismatch.clean_factor))
            if mismatch is not None and first_bad is None:
                first_bad = (B, name, mismatch, got[name])
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
                 diagnoses=[diagnosis(id, evidence, tensors=carrying, correct=right, unjudged=unjudged)])
    B, name, mismatch, got = first_bad
    ctx.blame(got)
    message, lines = cmp.describe(name, mismatch, {"B": B})
    ctx.fail(message, lines + [f"batch size B = {B}"], diagnoses=value_diagnoses(name, mismatch, {"B": B}))
