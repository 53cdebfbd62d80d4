"""Hidden checks for part6: numerical_gradient(f, x, h) and relative_error(a, b).

The learner's numerical_gradient needs a function to differentiate. Functions
cannot travel to the sandbox, so each check names one of the test functions in
this kata's functions.py (grader.sandbox.codec.AsFunction, with its parameters
bound as arrays); the learner's numerical_gradient(f, x[, h]) gets a stand-in for
it, whose every call the grader evaluates. This process imports the same file for
the exact gradients and for the finite-difference formulas the results are
compared with.

Two questions are kept apart:

- at a step h that the check passes explicitly, numerical_gradient must return
  exactly the two-point central difference (f(x + h e_i) - f(x - h e_i)) / 2h,
  up to rounding (`central-difference`, `restores-entry`). Any other formula is
  then recognised by its exact signature: one-sided, divided by h, a whole row
  perturbed, the entry not put back, the step ignored;
- at the learner's own default step, the result must be close to the exact
  gradient (`default-step`: 5e-8 on well-scaled functions, which any step from
  1e-7 to 1e-4 meets with margin, the limits being near 1e-8 and 3e-4 (h = 1e-3
  fails at every seed, h = 1e-9 at most); `analytic-gradients`: 1e-6 on harder functions, the
  MLP loss among them). A step that is too large shows as the central difference
  at one larger step for every entry (truncation error h^2 f'''/6); a step that
  is too small shows as noise on a linear function, where any difference
  quotient is exact in exact arithmetic (rounding error eps |f| / h).
"""
import functools
from dataclasses import dataclass, field

import numpy as np

from grader.checks import (cases, cmp, AsFunction, check, diagnosis, expect_array, expect_finite,
                           expect_scalar, load_helpers, same, value_diagnoses)


EPS = float(np.finfo(np.float64).eps)
# Largest error of the default-step gradient, relative to the exact gradient's largest
# entry, on the well-scaled functions of `default-step`. Measured there (200 seeds):
# h = 1e-4 gives at most 4e-9, h = 1e-5 5e-11, h = 1e-7 2e-9, h = 1e-8 2e-8; h = 1e-3
# at least 1.7e-7 (truncation, the same at every seed), h = 1e-2 1.7e-5, h = 1e-12 1e-5.
STEP_TOL = 5e-8
# The same measure on the harder functions of `analytic-gradients` (the MLP loss, a
# non-separable sine form): correct steps from 1e-8 to 3e-4 stay below 2.5e-7 there.
ANALYTIC_TOL = 1e-6
# Explicit steps: large enough that a one-sided difference (error ~ h f''/2), a step
# that is ignored, or a perturbed entry left in place is off by far more than rounding.
STEPS = (1e-3, 4e-3)

F = load_helpers(__file__, "functions.py")


@dataclass
class Problem:
    """A test function with its bound parameters, a point x, and how to describe it."""
    ctx: object
    name: str
    args: tuple
    x: np.ndarray
    label: str
    calls: dict = field(default_factory=dict)  # step (None: the default) -> the call, as reports show it

    @property
    def send(self) -> AsFunction:
        """What the learner's numerical_gradient receives as f."""
        return AsFunction(self.f, self.name)

    @property
    def f(self):
        return functools.partial(getattr(F, self.name), *self.args)

    def exact(self) -> np.ndarray:
        return getattr(F, self.name + "_grad")(*self.args, self.x)

    def f_scale(self) -> float:
        return max(abs(self.f(self.x)), 1.0)


def learner_gradient(ctx, p: Problem, h=None) -> np.ndarray:
    args = (p.send, p.x) if h is None else (p.send, p.x, h)
    g = expect_array(ctx, ctx.call("numerical_gradient", *args), "grad", p.x.shape, np.float64)
    expect_finite(ctx, g, "grad", [f"f = {p.label}, x of shape {p.x.shape}"])
    p.calls[h] = ctx.last_call
    return np.asarray(g, dtype=np.float64)


def blame(ctx, p: Problem, h=None) -> None:
    """Show the call that produced the result a failure is about (not the last call made)."""
    ctx.last_call = p.calls.get(h, ctx.last_call)


# -- finite-difference formulas, computed here ------------------------------------

def central(p: Problem, h: float, x=None) -> np.ndarray:
    return np.asarray(p.ctx.ref.numerical_gradient(p.f, p.x if x is None else x, h), dtype=np.float64)


def one_sided(p: Problem, h: float, sign: int) -> np.ndarray:
    """(f(x + s h e_i) - f(x)) / (s h): s = +1 forward, s = -1 backward."""
    x = p.x.astype(np.float64)
    f0 = p.f(x)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        point = x.copy()
        point[i] += sign * h
        g[i] = (p.f(point) - f0) / (sign * h)
    return g


def not_restored(p: Problem, h: float):
    """What loops that never put the perturbed entry back return (C order):
    one shared array left at x_i - h or x_i + h (depending on which side comes
    second), or two arrays, one collecting +h and the other -h."""
    x = p.x.astype(np.float64)
    for label, shift in (("left at x_i - h", -h), ("left at x_i + h", h)):
        point = x.copy()
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            point[i] = old + h
            plus = p.f(point)
            point[i] = old - h
            minus = p.f(point)
            point[i] = old + shift
            g[i] = (plus - minus) / (2 * h)
        yield label, g
    plus_point, minus_point = x.copy(), x.copy()
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus_point[i] = x[i] + h
        minus_point[i] = x[i] - h
        g[i] = (p.f(plus_point) - p.f(minus_point)) / (2 * h)
    yield "two copies, one collecting +h and one -h", g


def whole_rows(p: Problem, h: float) -> np.ndarray:
    """x[i] += h on a 2-D x moves the whole row i: every entry of the row gets the
    derivative along that row."""
    x = p.x.astype(np.float64)
    g = np.zeros_like(x)
    for i in range(x.shape[0]):
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        g[i] = (p.f(plus) - p.f(minus)) / (2 * h)
    return g


def same_formula(got, want, p: Problem, h: float) -> bool:
    """`got` is `want` up to the rounding a difference quotient at step h carries."""
    want = np.asarray(want, dtype=np.float64)
    tol = 1e-9 * float(np.max(np.abs(want))) + 1000 * EPS * p.f_scale() / h
    return np.shape(got) == want.shape and bool(np.all(np.abs(np.asarray(got) - want) <= tol))


def expect_formula(ctx, got, want, p: Problem, h: float, what: str, details: list[str], findings=()):
    if same_formula(got, want, p, h):
        return
    tol = 1000 * EPS * p.f_scale() / h
    mismatch = cmp.compare(got, want, 1e-9, tol)
    message, lines = describe(what, mismatch)
    blame(ctx, p, h)
    ctx.fail(message, lines + details, diagnoses=list(findings) + factor_diagnoses(what, mismatch))


def describe(what: str, mismatch) -> tuple[str, list[str]]:
    """cmp.describe, except that a result within 1% of the expected one everywhere is not
    called "a constant factor" (a one-sided difference is 1.001x the central one)."""
    message, lines = cmp.describe(what, mismatch)
    factor = mismatch.clean_factor
    if factor is not None and abs(factor - 1) < 0.01:
        message = f"{what} differs from the expected value in {mismatch.n_bad} of {mismatch.size} entries"
    return message, lines


def factor_diagnoses(what: str, mismatch) -> list[dict]:
    if mismatch is not None and mismatch.clean_factor is not None and abs(mismatch.clean_factor - 2) < 1e-6:
        return [diagnosis("central-over-h", f"{what} is exactly 2× the central difference "
                                            "(f(x+h·e_i) − f(x−h·e_i)) / 2h")]
    return value_diagnoses(what, mismatch) if mismatch is not None else []


def explain_formula(ctx, p: Problem, h: float, got) -> list[dict]:
    """The exact signature `got` (the learner's result at step h) matches, if any."""
    found = []
    for sign, name in ((1, "forward"), (-1, "backward")):
        if same_formula(got, one_sided(p, h, sign), p, h):
            formula = "(f(x + h·e_i) − f(x)) / h" if sign > 0 else "(f(x) − f(x − h·e_i)) / h"
            found.append(diagnosis("forward-difference", f"at h = {h:g}, every entry equals the {name} difference "
                                                         f"{formula}; the central difference differs by "
                                                         f"{rel_gap(got, central(p, h)):.1e} relative"))
            return found
    if p.x.ndim == 2 and same_formula(got, whole_rows(p, h), p, h):
        found.append(diagnosis("perturbs-whole-row", f"for x of shape {p.x.shape}, each row of grad holds one "
                                                     "value: the derivative along that whole row (x[i] += h moves "
                                                     "row i of a 2-D array)"))
        return found
    for label, g in not_restored(p, h):
        if same_formula(got, g, p, h):
            found.append(diagnosis("not-restored", f"at h = {h:g}, grad equals what a loop returns when each "
                                                   f"perturbed entry is never put back ({label}): every later entry "
                                                   "is differentiated at a shifted point"))
            return found
    return found


def rel_gap(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


# -- reading the default step off the result ----------------------------------------

def _solve(r, model: str):
    """t >= 0 with sinh(t)/t = r (central), or s with expm1(s)/s = r (one-sided), by Newton."""
    r = np.asarray(r, dtype=np.float64)
    if model == "central":
        t = np.sqrt(np.maximum(6 * (r - 1), 0.0))
        for _ in range(8):
            t = np.maximum(t, 1e-300)
            value = np.sinh(t) / t - r
            slope = (t * np.cosh(t) - np.sinh(t)) / t ** 2
            t = t - value / np.where(slope > 0, slope, np.inf)
        return t
    s = 2 * (r - 1)
    for _ in range(8):
        s = np.where(s == 0, 1e-300, s)
        value = np.expm1(s) / s - r
        slope = (s * np.exp(s) - np.expm1(s)) / s ** 2
        s = s - value / np.where(slope > 0, slope, np.inf)
    return s


def consistent_step(steps) -> float | None:
    """The one step every entry agrees on (within 1%), or None."""
    steps = np.asarray(steps, dtype=np.float64)
    if not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        return None
    return float(np.median(steps)) if steps.max() <= 1.01 * steps.min() else None


def explain_default_step(ctx, exp_p: Problem, g_exp, lin_p: Problem, g_lin) -> list[dict]:
    """Why the default-step gradient is inaccurate, when the numbers say so exactly."""
    e = exp_p.exact()
    a = exp_p.args[0]
    r = g_exp / e
    error = np.abs(g_exp - e)
    if rel_gap(g_exp, e) > STEP_TOL and np.all(r > 1):
        h = consistent_step(_solve(r, "central") / a)
        if h is not None and np.all(np.abs(g_exp - central(exp_p, h)) <= 0.01 * error + 1e-12):
            return [diagnosis("step-too-large", f"on f = {exp_p.label}, every entry equals the central difference "
                                                f"at one step h ≈ {h:.1e}: its truncation error h²·f‴/6 is "
                                                f"{rel_gap(g_exp, e):.1e} relative, where about 1e-10 is possible",
                              step=h)]
    if rel_gap(g_exp, e) > STEP_TOL:
        s = _solve(r, "one-sided") / a
        for sign, name in ((1, "forward"), (-1, "backward")):
            h = consistent_step(sign * s)
            if h is not None and same_formula(g_exp, one_sided(exp_p, h, sign), exp_p, h):
                return [diagnosis("forward-difference", f"with the default step, every entry equals the {name} "
                                                        f"difference at h ≈ {h:.1e}; its error is about h·f″/2, "
                                                        f"{rel_gap(g_exp, e):.1e} relative")]
    e_lin = lin_p.exact()
    gap = rel_gap(g_lin, e_lin)
    mismatch = cmp.compare(g_lin, e_lin, 0.0, STEP_TOL * float(np.max(np.abs(e_lin))))
    factor = None if mismatch is None else mismatch.clean_factor
    if gap > STEP_TOL and mismatch is not None and (factor is None or abs(factor - 1) < 1e-3):
        checked = learner_gradient(ctx, lin_p, 1e-5)
        if rel_gap(checked, e_lin) <= 1e-9:
            size = EPS * lin_p.f_scale() / float(np.max(np.abs(g_lin - e_lin)))
            return [diagnosis("step-too-small", f"on the linear f = {lin_p.label}, where a difference quotient is "
                                                f"exact for any step, the default step is off by {gap:.1e} relative "
                                                f"(with h = 1e-5 passed in: {rel_gap(checked, e_lin):.0e}). That is "
                                                f"rounding, about ε·|f|/h: a step of roughly {size:.0e}")]
    return []


# -- the test problems -----------------------------------------------------------------

def exp_problem(ctx, shape, low, high) -> Problem:
    a = ctx.rng.uniform(low, high, shape)
    a.reshape(-1)[ctx.rng.integers(a.size)] = high  # the largest curvature is always present
    x = ctx.rng.uniform(-0.5, 0.5, shape)
    return Problem(ctx, "exp_sum", (a,), x, "Σ (exp(a_i·x_i) − 1)/a_i")


def lin_problem(ctx, n=6) -> Problem:
    c = float(ctx.rng.uniform(0.5, 1.5) * ctx.rng.choice([-1, 1]))
    w = ctx.rng.uniform(0.5, 1.5, n) * ctx.rng.choice([-1, 1], n)
    x = ctx.rng.uniform(-0.5, 0.5, n)
    return Problem(ctx, "linear", (c, w), x, "c + w·x")


def lse_problem(ctx, shape, K=5) -> Problem:
    n = int(np.prod(shape))
    A = ctx.rng.standard_normal((K, n))
    c = ctx.rng.standard_normal(K)
    x = ctx.rng.uniform(-1, 1, shape)
    return Problem(ctx, "logsumexp_linear", (A, c), x, "log Σ_k exp((A·x)_k + c_k)")


def sin_problem(ctx, shape) -> Problem:
    n = int(np.prod(shape))
    M = ctx.rng.standard_normal((n, n))
    x = ctx.rng.uniform(-1, 1, shape)
    return Problem(ctx, "sin_quadratic", ((M + M.T) / np.sqrt(4 * n),), x, "sin(x)·Q·x/2 + Σ cos(x)")


def mlp_problem(ctx) -> Problem:
    # The binary grid of grader.checks.cases keeps every pre-activation at least 2**-10 from
    # the ReLU kink, and |X| <= 2: a step below ~5e-4 in W1 never crosses it.
    X, y, params = cases.mlp_inputs(ctx.rng, 7, 5, 6, 4, np.float64)
    return Problem(ctx, "mlp_loss_w1", (X, y, params["b1"], params["W2"], params["b2"]), params["W1"],
                   "the MLP's mean cross-entropy as a function of W1 [5, 6] (B = 7, C = 4)")


# -- the checks ------------------------------------------------------------------------------

@check("shapes", "numerical_gradient returns a float64 array shaped like x; relative_error a number", hint=1)
def shapes(ctx):
    for shape in ((5,), (3, 4)):
        learner_gradient(ctx, lse_problem(ctx, shape))
    for shape in ((5,), (3, 4)):
        a = ctx.rng.standard_normal(shape)
        expect_scalar(ctx, ctx.call("relative_error", a, a + 0.1), "relative_error(a, b)")
    ctx.note("grad has the shape of x (1-D and 2-D) and dtype float64; relative_error returns a scalar")


@check("central-difference", "At a step h passed in, grad is (f(x+h·e_i) − f(x−h·e_i)) / 2h", hint=2)
def central_difference(ctx):
    # exp_sum with a_i up to 3: f'' and f''' are large, so a one-sided difference is off
    # by ~a·h/2 ≈ 1e-3 relative and the two steps differ by ~(a·h)²/6 ≈ 2e-5.
    for shape in ((5,), (3, 4)):
        p = exp_problem(ctx, shape, 1.5, 3.0)
        got = {h: learner_gradient(ctx, p, h) for h in STEPS}
        for h in STEPS:
            want = central(p, h)
            if same_formula(got[h], want, p, h):
                continue
            findings = explain_formula(ctx, p, h, got[h])
            other = STEPS[1] if h == STEPS[0] else STEPS[0]
            if not findings and same_formula(got[h], got[other], p, h) and not same_formula(
                    central(p, other), want, p, h):
                findings.append(diagnosis("step-ignored", f"grad is the same at h = {STEPS[0]:g} and h = {STEPS[1]:g}, "
                                                          f"where the central differences differ by "
                                                          f"{rel_gap(central(p, STEPS[1]), central(p, STEPS[0])):.1e} "
                                                          "relative: the h argument is not used"))
            expect_formula(ctx, got[h], want, p, h, f"grad at h = {h:g}",
                           [f"f = {p.label}, x of shape {shape}; expected (f(x+h·e_i) − f(x−h·e_i)) / 2h "
                            "at the h passed in"], findings)
    ctx.note(f"the central difference at h = {STEPS[0]:g} and {STEPS[1]:g}, for 1-D and 2-D x")


@check("restores-entry", "Each perturbed entry is put back before the next one (non-separable f)", hint=3)
def restores_entry(ctx):
    # On a separable f, an entry left at x_i ± h changes nothing for the others; here
    # every mixed second derivative is nonzero, so a later entry is differentiated at a
    # shifted point and is off by about h·∂²f/∂x_i∂x_j per entry left behind.
    h = STEPS[0]
    for p in (lse_problem(ctx, (6,)), sin_problem(ctx, (3, 4))):
        got = learner_gradient(ctx, p, h)
        want = central(p, h)
        if not same_formula(got, want, p, h):
            expect_formula(ctx, got, want, p, h, f"grad at h = {h:g}",
                           [f"f = {p.label}, x of shape {p.x.shape}: each f(x ± h·e_i) must see x with only "
                            "entry i moved"], explain_formula(ctx, p, h, got))
    ctx.note("each entry is differentiated at x itself: the perturbed entries are put back")


@check("default-step", "With its default step, the gradient is accurate to about 1e-8 (well-scaled f)", hint=4)
def default_step(ctx):
    exp_p = exp_problem(ctx, (6,), 0.5, 1.5)
    lin_p = lin_problem(ctx)
    g_exp = learner_gradient(ctx, exp_p)
    g_lin = learner_gradient(ctx, lin_p)
    worst = 0.0
    for p, g in ((exp_p, g_exp), (lin_p, g_lin)):
        e = p.exact()
        gap = rel_gap(g, e)
        worst = max(worst, gap)
        if gap > STEP_TOL:
            mismatch = cmp.compare(g, e, 0.0, STEP_TOL * float(np.max(np.abs(e))))
            message, lines = describe("grad", mismatch)
            findings = explain_default_step(ctx, exp_p, g_exp, lin_p, g_lin) + factor_diagnoses("grad", mismatch)
            blame(ctx, p)
            ctx.fail(f"with the default step, grad is off by {gap:.1e} relative to the exact gradient "
                     f"(allowed: {STEP_TOL:g})",
                     lines + [f"f = {p.label}, x of shape {p.x.shape}; error measured as max|grad − exact| / "
                              "max|exact|",
                              "central differences err by about h²·|f‴|/6 + ε·|f|/h: any h from about 1e-7 to "
                              "1e-4 is comfortably fine here, 1e-5 is the usual choice"],
                     diagnoses=findings)
    ctx.note(f"largest relative error {worst:.1e} with your default step (allowed {STEP_TOL:g})")


@check("analytic-gradients", "Agrees with exact gradients: 1-D, 2-D and 3-D x, and the MLP loss w.r.t. W1", hint=4)
def analytic_gradients(ctx):
    problems = [lse_problem(ctx, (7,)), sin_problem(ctx, (3, 4)), exp_problem(ctx, (2, 3, 2), 0.5, 1.5),
                mlp_problem(ctx)]
    worst = 0.0
    for p in problems:
        g = learner_gradient(ctx, p)
        e = p.exact()
        gap = rel_gap(g, e)
        worst = max(worst, gap)
        if gap <= ANALYTIC_TOL:
            continue
        findings = []
        if p.x.ndim == 2:
            rows = np.broadcast_to(e.sum(axis=1, keepdims=True), e.shape)
            if rel_gap(g, rows) <= 1e-5:
                findings.append(diagnosis("perturbs-whole-row", f"for x of shape {p.x.shape}, each row of grad is "
                                                                "one value, the sum of that row of the exact gradient: "
                                                                "x[i] += h moves the whole row i"))
        mismatch = cmp.compare(g, e, 0.0, ANALYTIC_TOL * float(np.max(np.abs(e))))
        message, lines = describe("grad", mismatch)
        if not findings:  # the default step itself? Probe it as `default-step` does.
            exp_p, lin_p = exp_problem(ctx, (6,), 0.5, 1.5), lin_problem(ctx)
            findings = explain_default_step(ctx, exp_p, learner_gradient(ctx, exp_p), lin_p,
                                            learner_gradient(ctx, lin_p))
        blame(ctx, p)
        ctx.fail(f"grad disagrees with the exact gradient by {gap:.1e} relative (allowed: {ANALYTIC_TOL:g})",
                 lines + [f"f = {p.label}, x of shape {p.x.shape}, your default step; error measured as "
                          "max|grad − exact| / max|exact|"],
                 diagnoses=findings + factor_diagnoses("grad", mismatch))
    ctx.note(f"largest relative error {worst:.1e} over {len(problems)} functions (allowed {ANALYTIC_TOL:g})")


def ctx_free_rel(a, b, floor):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor))


@check("relative-error", "relative_error: max |a−b| / (|a|+|b|) per entry, symmetric, scale-free, 0 vs 0 is 0",
       hint=5)
def relative_error_values(ctx):
    def call(a, b):
        return expect_scalar(ctx, ctx.call("relative_error", a, b), "relative_error(a, b)")

    zeros = np.zeros((2, 3))
    got = call(zeros, zeros)
    if not np.isfinite(got):
        ctx.fail(f"relative_error(zeros, zeros) is {got}, expected 0.0",
                 ["two all-zero arrays agree perfectly; an entry that is 0 in both must count as 0, not 0/0"],
                 diagnoses=[diagnosis("relative-error-no-floor", "relative_error of two all-zero (2, 3) arrays is "
                                                                 f"{got}: 0/0 with no floor under |a| + |b|")])

    rng = ctx.rng
    a = cases.away_from_zero(rng, (3, 4), np.float64, margin=0.5)
    b = a * (1 + 0.05 * rng.standard_normal(a.shape))
    big = np.array([100.0, -50.0, 80.0, 0.01, 60.0])
    small_off = big.copy()
    small_off[3] = 0.02
    spelled = [
        ("two all-zero (2, 3) arrays", zeros, zeros.copy()),
        ("a = [1, 2, 4], b = [1, 2.5, 4]", np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.5, 4.0])),
        ("a and b with entries that are 0 in both", np.array([0.0, 1.0, 3.0, 0.0]), np.array([0.0, 1.5, 3.0, 0.0])),
        ("opposite signs", np.array([2.0, 1.0]), np.array([-2.0, 1.0])),
        ("one bad small entry among large ones", big, small_off),
        ("random (3, 4) arrays", a, b),
        ("the same random arrays times 1000", 1e3 * a, 1e3 * b),
        ("the same random arrays times 0.1", 0.1 * a, 0.1 * b),
        ("identical arrays", a, a.copy()),
    ]
    for what, x, y in spelled:
        want = float(ctx_free_rel(x, y, 1e-300))
        got = call(x, y)
        shown = ctx.last_call
        swapped = call(y, x)
        ctx.last_call = shown
        findings = []
        if not np.isfinite(got) or abs(got - want) > 1e-6 * want + 1e-12:
            if np.isfinite(got) and np.isfinite(swapped) and abs(got - swapped) > 1e-6 * max(abs(got), abs(swapped)):
                findings.append(diagnosis("relative-error-asymmetric",
                                          f"relative_error(a, b) = {got:.6g} but relative_error(b, a) = "
                                          f"{swapped:.6g} ({what})"))
            summaries = {"‖a − b‖ / (‖a‖ + ‖b‖) over the whole arrays":
                         float(np.linalg.norm(x - y) / (np.linalg.norm(x) + np.linalg.norm(y))),
                         "the mean of |a − b| / (|a| + |b|) over the entries":
                         float(np.mean(np.abs(x - y) / np.maximum(np.abs(x) + np.abs(y), 1e-300)))}
            for name, value in summaries.items():
                if (np.isfinite(got) and abs(got - value) <= 1e-9 * abs(value) + 1e-15
                        and abs(value - want) > 1e-6 * want):
                    findings.append(diagnosis("relative-error-not-max", f"relative_error returned {got:.6g} = {name} "
                                                                        f"({what}); the worst entry gives {want:.6g}"))
            if not np.isfinite(got):
                findings.append(diagnosis("relative-error-no-floor", f"relative_error is {got} for {what}: 0/0 with "
                                                                     "no floor under |a| + |b|"))
            ctx.fail(f"relative_error is {got:.6g} for {what}, expected {want:.6g}",
                     ["max over entries of |a − b| / max(|a| + |b|, floor), the floor a tiny constant (<= 1e-8)"],
                     diagnoses=findings)
        if abs(swapped - got) > 1e-12 * max(abs(got), 1.0):
            ctx.fail(f"relative_error is not symmetric: {got:.6g} for (a, b), {swapped:.6g} for (b, a) ({what})",
                     ["the denominator |a| + |b| treats both arrays alike"],
                     diagnoses=[diagnosis("relative-error-asymmetric", f"{got:.6g} for (a, b), {swapped:.6g} for "
                                                                       f"(b, a) ({what})")])
    ctx.note("exact on 9 cases; symmetric, unchanged by scaling, 0 for two zero arrays")


@check("repeatable", "Inputs unmodified, and a second call gives the same answer", hint=6)
def repeatable(ctx):
    p = lse_problem(ctx, (3, 4))
    first = ctx.call("numerical_gradient", p.send, p.x)
    second = ctx.call("numerical_gradient", p.send, p.x)
    a = ctx.rng.standard_normal((3, 4))
    b = a + 0.01 * ctx.rng.standard_normal((3, 4))
    r1 = ctx.call("relative_error", a, b)
    r2 = ctx.call("relative_error", a, b)
    for fn, one, two in (("numerical_gradient", first, second), ("relative_error", r1, r2)):
        if not same(one, two):
            ctx.fail(f"calling {fn} twice with the same inputs gave different results",
                     ["the function keeps state between calls (a global, a default argument, or a buffer it "
                      "reuses); each call should depend only on its arguments"],
                     diagnoses=[diagnosis("not-repeatable", f"{fn} returned something different the second time")])
    ctx.note("x, a and b unchanged after the calls; repeat calls agree")


CHECKS = [shapes, central_difference, restores_entry, default_step, analytic_gradients, relative_error_values,
          repeatable]


def numerical_gradient_range(f, x, h=None):
    """What `kata repro` accepts from numerical_gradient(f, x[, h]): at an explicit h the
    central difference (the reference's, up to rounding); at the learner's own default
    step anything within ANALYTIC_TOL of the exact gradient, the loosest bound the
    checks hold a default step to. None: the reference alone."""
    if h is not None or not isinstance(f, functools.partial):
        return None
    exact = np.asarray(getattr(F, f.func.__name__ + "_grad")(*f.args, x), dtype=np.float64)
    band = ANALYTIC_TOL * float(np.max(np.abs(exact))) if exact.size else 0.0
    return exact - band, exact + band


# For `kata repro` (grader.grading.repro): results other than the reference's that the checks accept.
REPRO_RANGES = {"numerical_gradient": numerical_gradient_range}
