"""Tolerances at large logits and the signatures that name a mistake there.

A correct log-softmax of logits of size A is only good to about eps·A; the checks
must admit every such formulation (z - logsumexp(z) with the max added back
included) and name "global-max" only from its own signature, never from a miss
of a few ulps. And gradients_match must pair the gradients by key.
"""
from __future__ import annotations



import numpy as np
import pytest

from grader.checks import cmp
from grader.curriculum import loading
from grader.curriculum.catalog import Catalog
from grader.checks import shared_max_finding
from grader.authoring.corpus import grade_example

CATALOG = Catalog.builtin()


def checks_module(kata_id: str):
    return loading.checks_module(CATALOG.get(kata_id))  # katas/<id>/checks.py


def far_apart_logits(seed: int, dtype, B: int = 7, C: int = 5) -> np.ndarray:
    """part1's stability input: ordinary rows at offsets from -1e4 to +1e4."""
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-1e4, 1e4, size=(B, 1))
    offsets[0], offsets[1] = 1e4, -1e4
    return (rng.standard_normal((B, C)) * 2 + offsets).astype(dtype)


def exact_log_softmax(z) -> np.ndarray:
    z = np.asarray(z, np.float64)
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


FORMULATIONS = {
    "max subtracted": lambda z: (z - z.max(1, keepdims=True)) - np.log(
        np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)),
    "max added back": lambda z: z - (z.max(1, keepdims=True) + np.log(
        np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))),
    "logaddexp.reduce": lambda z: z - np.logaddexp.reduce(z, axis=1, keepdims=True),
    "log of e / sum(e)": lambda z: np.log(np.exp(z - z.max(1, keepdims=True))
                                          / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(FORMULATIONS))
def test_every_correct_formulation_lands_within_kappa(name, dtype):
    worst = 0.0
    for seed in range(200):
        z = far_apart_logits(seed, dtype)
        kappa = cmp.log_prob_error(dtype, float(np.abs(z).max()))
        worst = max(worst, float(np.abs(FORMULATIONS[name](z) - exact_log_softmax(z)).max()) / kappa)
    assert worst <= 1.0, f"{name} ({np.dtype(dtype)}) off by {worst:.2f} kappa"


def test_adding_the_max_back_really_costs_an_ulp_of_the_logits():
    # Why kappa scales with the logits: in float32 at 1e4 the max added back loses about
    # half an ulp of 1e4 (~5e-4), several times the 512 eps that a tolerance relative to
    # the log-probabilities' own size (a few units) would allow.
    errors = [np.abs(FORMULATIONS["max added back"](z) - exact_log_softmax(z)).max()
              for z in (far_apart_logits(seed, np.float32) for seed in range(20))]
    assert max(errors) > 4 * 512 * np.finfo(np.float32).eps


# -- global max: named from its signature only ----------------------------------------------

def softmax(z) -> np.ndarray:
    return np.exp(exact_log_softmax(z))


def global_max_softmax(z) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_global_max_is_named_on_its_signature(dtype):
    probe = checks_module("part1").shared_max_probe
    z = far_apart_logits(3, dtype)
    found = probe(z)(global_max_softmax(z), softmax(z))
    assert found and found[0] == "global-max"
    assert "below the largest of the batch" in found[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_few_ulps_off_is_not_a_global_max(dtype):
    probe = checks_module("part1").shared_max_probe
    z = far_apart_logits(5, dtype)
    want = softmax(z)
    eps = float(np.finfo(dtype).eps)
    # Every row off by 8 ulps of the logits' size: twice the tolerance, rows far apart.
    missed = want * (1 + 8 * eps * float(np.abs(z).max()))
    assert cmp.compare(missed, want, 0.0, cmp.log_prob_error(dtype, float(np.abs(z).max())) * want.max()) is not None
    assert probe(z)(missed, want) is None
    # Rows near the max broken too, or a far row that is right: not one shared max either.
    near_broken = global_max_softmax(z)
    near_broken[0] = np.nan
    assert probe(z)(near_broken, want) is None
    far_right = global_max_softmax(z)
    far_right[1] = want[1]
    assert probe(z)(far_right, want) is None


def test_shared_max_finding_needs_a_broken_row_far_from_the_max():
    row_max = np.array([1e4, -1e4, 5e3, 9990.0])
    assert shared_max_finding(row_max, [False] * 4, np.float64) is None
    assert shared_max_finding(row_max, [False, True, True, False], np.float64)
    assert shared_max_finding(row_max, [False, True, True, True], np.float64) is None  # 10 below the max
    # A row whose output cannot show the softmax (a dead example) does not count.
    assert shared_max_finding(row_max, [False, True, False, False], np.float64,
                              visible=[True, True, False, True])


class Recorder:
    def __init__(self):
        self.found = []

    def diagnose(self, id, evidence=""):
        self.found.append(id)


def test_part4_names_global_max_from_the_rows_of_dx_only():
    checks = checks_module("part4")
    from grader.checks import cases
    rng = np.random.default_rng(11)
    X, y, params = cases.mlp_inputs(rng, dtype=np.float64, **cases.SMALL)
    params["W2"] = params["W2"] + 500.0 * rng.standard_normal((params["W2"].shape[0], 1))
    reference = loading.reference(CATALOG.get("part4"))
    want = reference.mlp_backward(reference.mlp_forward(X, y, params)[1])
    kappa = cmp.log_prob_error(np.float64, checks.logit_scale(X, params))
    reach = kappa * checks.sensitivity(X, y, params)["X"]
    few_ulps = {**want, "X": want["X"] + 2 * reach * np.sign(want["X"])}  # twice the tolerance, every row
    ctx = Recorder()
    assert not checks.shared_max_probe(ctx, X, y, params, few_ulps, want, np.float64) and not ctx.found
    far = checks.logits_of(X, params).max(axis=1)
    far = far.max() - far > 1000
    assert far.any() and not far.all()
    broken = {**want, "X": np.where(far[:, None], np.nan, want["X"])}
    assert checks.shared_max_probe(ctx, X, y, params, broken, want, np.float64) and ctx.found == ["global-max"]


# -- gradients_match pairs by key -------------------------------------------------------------

@pytest.mark.parametrize("mistake, probe", [
    ("match_pairs_in_order.py", "auto has no 'X' entry"),
    ("match_zip_after_subset_check.py", "manual has no 'X' entry"),
    ("match_zip_after_key_check.py", "keys come in another order"),
])
def test_each_key_probe_catches_a_gradients_match_that_pairs_by_position(mistake, probe):
    kata = CATALOG.get("part5")
    result = grade_example(CATALOG, kata, kata.folder / "mistakes" / mistake, seed=3)
    check = next(c for c in result.checks if c.name == "gradients-match")
    assert check.status == "fail" and probe in check.message, check.message
    assert [d.id for d in check.diagnoses] == ["match-pairs-in-order"]
