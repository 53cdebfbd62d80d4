"""Finite differences of the learner's own forward pass, against their backward pass."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checks.context import CheckContext
from grader.checks.expect import batch_factor_support


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


def expect_directional(ctx: CheckContext, results: list[Directional], what: str,
                       named: dict[str, int] | None = None) -> None:
    failed = [r for r in results if not r.ok]
    if failed:
        worst = max(failed, key=lambda r: r.rel_err)
        ratio = worst.analytic / worst.numeric if worst.numeric else float("nan")
        ratios = [r.analytic / r.numeric for r in failed if r.numeric]
        # The same factor along every direction is a gradient scaled as a whole.
        factor = ratio if ratios and len(ratios) == len(failed) and all(
            abs(q - ratio) <= 1e-6 * abs(ratio) for q in ratios) else None
        ctx.last_call = None  # many calls went into this; the details say what was compared
        ctx.fail(f"{what} disagrees with finite differences of your own forward pass",
                 [f"along a random direction u: ⟨{what}, u⟩ = {worst.analytic:.6g}, central difference = "
                  f"{worst.numeric:.6g} (rel err {worst.rel_err:.2g}, ratio {ratio:.4g}; step h = {FD_STEP:g}, "
                  "float64)",
                  "this test needs no reference: the backward pass must be the derivative of your forward pass"],
                 diagnoses=batch_factor_support(what, factor, named))


def expect_finite_differences(ctx: CheckContext, loss_at, grads: dict, point: dict, label=str,
                              directions: int = 2, named: dict[str, int] | None = None) -> None:
    """Per tensor: random directional derivatives of `loss_at` against `grads`, so a
    failure names the tensor whose gradient is wrong. A tensor missing from `grads`
    (set aside as broken, see expect_grads) is skipped: the others are still checked."""
    worst = 0.0
    judged = [name for name in point if name in grads]
    if not judged:
        return
    for name in judged:
        def along(p, name=name):
            return loss_at({**point, name: p[name]})

        results = directional_check(along, {name: grads[name]}, {name: point[name]}, ctx.rng, directions)
        expect_directional(ctx, results, label(name), named)
        worst = max(worst, max(r.rel_err for r in results))
    ctx.note(f"largest relative error {worst:.1e} over {directions} random directions per tensor "
             f"(central differences, h = {FD_STEP:g}, float64)")
