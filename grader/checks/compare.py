"""Compare a learner's array with the expected one, and say how it is off.

Tolerances are per element, |got - expected| <= atol + rtol*|expected|, with
rtol a multiple of the learner dtype's epsilon and atol that multiple times the
magnitude of the quantity (an absolute floor, so near-zero entries of a large
tensor are judged against the tensor's scale rather than their own). Expected
values are always computed in float64 from the very inputs the learner got.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# How many epsilons of slack one comparison allows. Float32 code that sums a few
# hundred terms in another order lands within ~10 eps of float64; wrong answers
# (a missing 1/B, a transpose, a sign) are off by order one.
EPS_FACTOR = 512


def machine_eps(dtype) -> float:
    return float(np.finfo(np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.float64).eps)


def tolerances(dtype, scale: float) -> tuple[float, float]:
    """(rtol, atol) for results computed in `dtype` on quantities of size `scale`."""
    rtol = EPS_FACTOR * machine_eps(dtype)
    return rtol, rtol * max(float(scale), 1e-30)


# Log-probabilities of large logits: how far a correct formulation may land.
#
# Every correct way to write log-softmax computes lp = z - lse(z) from logits of size
# up to A, and some of its steps round a quantity of that size: the logits themselves
# when a layer computes them, z - m, m + log(sum(exp(z - m))) (the max added back, as
# scipy.special.logsumexp and torch.logsumexp do), z - lse, each step of a
# np.logaddexp.reduce. With u = eps/2, one rounding of a value of size <= 2A costs at
# most u*2A = eps*A, and a formulation chains at most three of those; the logits' own
# dot product adds up to u*A per term, but those errors are independent and largely
# cancel (measured below 0.25 eps*A here). So
#
#     |lp_computed - lp_exact| <= kappa = LOG_PROB_ROUNDINGS * eps * A,
#
# and, since p = exp(lp), every probability carries a *relative* error of at most
# kappa (|dp| <= kappa * p). This is the conditioning of the problem, not slack: the
# subtraction z - lse happens at magnitude A, so no rewriting of a correct softmax
# removes it (the reference's "subtract the max, never add it back" only happens to
# avoid most of it). The constant 4 is the three chained roundings plus one for the
# logits' own; over 300 seeds of part4's stability inputs, four formulations (the
# reference, the max added back, logaddexp.reduce, log of e / sum(e)) stayed within
# 0.86 eps*A, in float32 and float64.
#
# Wrong code misses by a different order: no max-subtraction or a global max gives
# NaN/inf, or probabilities off by 100% (a relative error of 1, which is 1/kappa times
# this bound: about 200 in float32 at A = 1e4, 1e11 in float64). With the constant
# raised 100-fold, every shipped mistake still fails where it declares.
LOG_PROB_ROUNDINGS = 4


def log_prob_error(dtype, scale: float) -> float:
    """kappa: the absolute error a correct formulation may leave in log-probabilities
    computed in `dtype` from logits whose terms are at most `scale` in size (and so
    the relative error of each probability). The floor of 1 covers log(sum) itself."""
    return LOG_PROB_ROUNDINGS * machine_eps(dtype) * max(float(scale), 1.0)


@dataclass
class Mismatch:
    """How `got` differs from `expected` (same shape), in numbers a learner can act on."""
    n_bad: int
    size: int
    worst_index: tuple
    got_at_worst: float
    expected_at_worst: float
    max_abs_err: float
    max_rel_err: float
    ratio: float | None          # least-squares factor g ≈ ratio * e
    ratio_residual: float | None  # ||g - ratio*e|| / ||g||: small means a clean factor
    cosine: float | None
    transposed: bool = False
    non_finite: int = 0

    @property
    def clean_factor(self) -> float | None:
        """The factor, if `got` is (numerically) exactly a multiple of `expected`."""
        if self.ratio is None or self.ratio_residual is None or self.ratio_residual > 1e-3:
            return None
        return self.ratio


class UnreadableValue(Exception):
    """A value from the learner's code that is not numbers (a str, a ragged list, an int
    too large for a float): the learner's failure, reported as such, never the grader's."""


def as_numbers(value) -> np.ndarray:
    """`value` as a float64 array, or UnreadableValue saying what it is instead."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        kind = type(value).__name__
        raise UnreadableValue(f"a {kind} that is not an array of numbers ({type(exc).__name__}: {exc})") from None
    return arr


def compare(got, expected, rtol: float, atol: float) -> Mismatch | None:
    """None when every element is within tolerance; otherwise a Mismatch."""
    g = as_numbers(got)
    e = np.asarray(expected, dtype=np.float64)
    finite = np.isfinite(g)
    err = np.where(finite, np.abs(g - e), np.inf)
    bad = err > atol + rtol * np.abs(e)
    if not bad.any():
        return None
    worst = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), g.shape) if g.ndim else ()
    rel = err[worst] / max(abs(float(e[worst])), atol if atol > 0 else 1e-300)  # at the worst entry
    ratio = residual = cosine = None
    if finite.all():
        ee = float(np.vdot(e, e))
        gg = float(np.vdot(g, g))
        if ee > 0 and gg > 0:
            ratio = float(np.vdot(g, e)) / ee
            residual = float(np.linalg.norm(g - ratio * e) / np.sqrt(gg))
            cosine = float(np.vdot(g, e)) / np.sqrt(ee * gg)
    transposed = g.ndim == 2 and g.shape[0] == g.shape[1] and g.shape[0] > 1 and bool(
        np.allclose(g, e.T, rtol=max(rtol, 1e-9), atol=atol))
    return Mismatch(
        n_bad=int(bad.sum()), size=int(g.size), worst_index=tuple(int(i) for i in worst),
        got_at_worst=float(g[worst]), expected_at_worst=float(e[worst]),
        max_abs_err=float(np.max(err)), max_rel_err=float(rel),
        ratio=ratio, ratio_residual=residual, cosine=cosine, transposed=transposed,
        non_finite=int((~finite).sum()))


def _clean_number(x: float) -> str | None:
    """'64' or '1/64' or '-1' when x is (close to) such a number, else None."""
    for value, text in ((x, "{:d}"), (1 / x if x else 0.0, "1/{:d}")):
        k = round(value)
        if k != 0 and abs(value - k) <= 1e-3 * abs(k) and abs(k) <= 100000:
            if text == "1/{:d}" and abs(k) == 1:
                continue
            return text.format(k) if k > 0 else "-" + text.format(-k)
    return None


def factor_phrase(factor: float, named: dict[str, int] | None = None) -> str:
    """'exactly 8× (= B)' style wording for a clean factor."""
    named = named or {}
    if abs(factor + 1) < 1e-3:
        return "exactly -1× the expected: the sign is flipped"
    text = _clean_number(factor)
    if text is None:
        return f"{factor:.4g}× the expected everywhere (a constant factor)"
    labels = [f"{name}" for name, n in named.items() if n > 1 and abs(factor - n) < 1e-3 * n]
    labels += [f"1/{name}" for name, n in named.items() if n > 1 and abs(factor * n - 1) < 1e-3]
    tail = f" (= {labels[0]})" if labels else ""
    return f"exactly {text}× the expected{tail}"


def _fmt_index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else "(scalar)"


SHOWN_DIGITS = 6     # significant digits a number is printed with, unless more are needed
MAX_SHOWN_DIGITS = 10  # beyond this, say where the numbers part rather than print them all


def distinct_pair(got: float, expected: float) -> tuple[str, str, str]:
    """`got` and `expected` printed with as few significant digits (at least 6) as make
    them differ in print, and a note when even 10 do not: "they differ in the 12th
    significant digit". A report never reads "1.64865, expected 1.64865"."""
    for digits in range(SHOWN_DIGITS, MAX_SHOWN_DIGITS + 1):
        g, e = f"{got:.{digits}g}", f"{expected:.{digits}g}"
        if g != e:
            return g, e, ""
    g, e = f"{got:.{SHOWN_DIGITS}g}", f"{expected:.{SHOWN_DIGITS}g}"
    for digits in range(MAX_SHOWN_DIGITS + 1, 18):
        if f"{got:.{digits}g}" != f"{expected:.{digits}g}":
            return g, e, f"they differ in the {_ordinal(digits)} significant digit"
    return g, e, ""   # the same float: the difference is in what surrounds it (a NaN elsewhere, a sign of 0)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def describe(name: str, m: Mismatch, named: dict[str, int] | None = None) -> tuple[str, list[str]]:
    """A one-line message and a few detail lines for a mismatch of the tensor `name`."""
    got, expected, apart = distinct_pair(m.got_at_worst, m.expected_at_worst)
    if m.non_finite:
        message = f"{name} has {m.non_finite} non-finite entries (NaN or inf) where finite values are expected"
    elif m.transposed:
        message = f"{name} equals the transpose of the expected value"
    elif (m.clean_factor is not None and abs(m.clean_factor - 1) > 1e-3
          and (m.size > 1 or _clean_number(m.clean_factor) is not None)):  # any scalar is "a factor" of another
        message = f"{name} is {factor_phrase(m.clean_factor, named)}"
    elif m.size == 1:
        message = f"{name} is {got}, expected {expected}" + (f" ({apart})" if apart else "")
    else:
        message = f"{name} differs from the expected value in {m.n_bad} of {m.size} entries"
    rel = f", rel err {m.max_rel_err:.3g}" if m.expected_at_worst != 0 else ""
    where = f"worst at {_fmt_index(m.worst_index)}: " if m.size > 1 else ""
    details = [f"{where}got {got}, expected {expected} (abs err {m.max_abs_err:.3g}{rel}"
               + (f"; {apart}" if apart else "") + ")"]
    if m.cosine is not None and m.clean_factor is None and not m.transposed:
        details.append(f"cosine similarity with the expected {name}: {m.cosine:.4f}")
    return message, details
