"""One grade names every bug of a file with several independent ones.

Each file under tests/multibug/<kata>/ lists in KATA_EXPECT the diagnoses one
grade of it must carry. A broken tensor (a wrong shape, a missing key) must not
hide the bugs in the tensors that are fine, and a claim of where a 1/B entered
is made only when the other gradients agree with it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.authoring.corpus import example_files, grade_example, read_expect
from grader.checks import CheckFailed, check, expect_batch_scaling, expect_grads
from grader.checks.context import CheckContext, describe_value
from grader.curriculum import loading
from grader.curriculum.catalog import Catalog
from grader.model.problems import unexplained
from grader.model.results import FAIL

CATALOG = Catalog.builtin()
FILES = sorted((Path(__file__).parent / "multibug").glob("part*/*.py"))


def diagnosed(result) -> set[str]:
    return {d.id for c in result.checks for d in c.diagnoses}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_one_grade_names_every_bug(path):
    kata = CATALOG.get(path.parent.name)
    result = grade_example(CATALOG, kata, path, seed=1)
    assert not result.passed
    missing = set(read_expect(path)["diagnoses"]) - diagnosed(result)
    assert not missing, f"{path.name}: one grade did not name {sorted(missing)}"


def test_every_kata_named_in_the_issue_has_at_least_four_multibug_files():
    for kata in ("part1", "part2", "part4"):
        assert len([p for p in FILES if p.parent.name == kata]) >= 4


@pytest.mark.parametrize("kata_id", ["part1", "part2", "part4"])
def test_shipped_variants_still_pass_untouched(kata_id):
    kata = CATALOG.get(kata_id)
    for path in example_files(kata, "variants"):
        result = grade_example(CATALOG, kata, path, seed=1)
        assert result.passed and not diagnosed(result), f"{path.name}: {diagnosed(result)}"


def test_no_false_location_claim_when_the_other_gradients_are_wrong_too():
    # No 1/B in dZ2 and a mask from H1 >= 0: dW2 and db2 carry the factor B, while
    # dW1, db1 and dX are wrong in another way. "dZ2 itself is right" would be false.
    path = Path(__file__).parent / "multibug" / "part4" / "no_1_over_b_and_h1_mask.py"
    result = grade_example(CATALOG, CATALOG.get("part4"), path, seed=1234)
    evidence = [d.evidence for c in result.checks for d in c.diagnoses if d.id == "missing-1-over-B"]
    assert evidence
    assert not any("Where:" in e or "dZ2 itself is right" in e for e in evidence), evidence
    assert any("cannot be told" in e for e in evidence)


def test_a_location_claim_is_still_made_when_the_rest_is_right():
    where = loading.checks_module(CATALOG.get("part4")).where_it_entered
    everything = ("dW1", "db1", "dW2", "db2", "dX")
    assert where("B", ["dW2", "db2"], ["dW1", "db1", "dX"]).startswith("Where: at the second linear layer")
    assert where("B", ["dW2", "db2"], ["dW1"]) is None  # db1 and dX wrong otherwise: no claim
    assert where("B", everything, []).startswith("Where: at the loss head")


# -- the mechanism, on a context with a fake learner -----------------------------------


class FakeProcess:
    """Returns queued values for each call, as the sandbox would."""

    def __init__(self, *values):
        self.values = list(values)

    def call(self, fn, *args, keep=False):
        class Result:
            value = self.values.pop(0)
            args_after = args
            handle = None
        return Result()


def run(check_func, *values):
    """Run `check_func` as the engine does; the CheckFailed it ends in (or None)."""
    kata = CATALOG.get("part4")
    declared = check("probe", "a probe")(check_func)
    ctx = CheckContext(FakeProcess(*values), kata, declared, seed=0)
    try:
        declared.run(ctx)
    except CheckFailed as failure:
        return failure, ctx
    return None, ctx


SHAPES = {"W": (3, 2), "b": (2,)}


def test_a_broken_tensor_is_set_aside_and_the_others_still_judged():
    B = 4
    want = {"W": np.ones((3, 2)), "b": np.ones(2)}

    def body(ctx):
        runs = []
        for size in (B, 2 * B):
            got = expect_grads(ctx, ctx.call("mlp_backward", None), SHAPES, np.float64)
            assert "b" not in got and "W" in got
            runs.append((size, got, want))
        expect_batch_scaling(ctx, runs, np.float64)

    # b kept as (1, 2) and W exactly 1/B too small: both are named in one failure.
    failure, _ = run(body, *({"W": want["W"] / size, "b": np.ones((1, 2))} for size in (B, 2 * B)))
    assert failure is not None
    assert {d.id for d in failure.diagnoses} >= {"extra-1-over-B", "bias-keepdims"}
    assert any("(1, 2)" in line for line in failure.details)


def test_correct_tensors_with_one_broken_fail_on_the_broken_one_alone():
    def body(ctx):
        expect_grads(ctx, ctx.call("mlp_backward", None), SHAPES, np.float64)

    failure, _ = run(body, {"W": np.ones((2, 3)), "b": np.ones(2)})
    assert failure.message == "grads['W'] has shape (2, 3), expected (3, 2)"
    assert [d.id for d in failure.diagnoses] == ["wrong-transpose"]
    assert run(body, {"W": np.ones((3, 2)), "b": np.ones(2)})[0] is None  # and nothing wrong: a pass


def test_a_check_that_needs_the_broken_tensor_says_so_in_one_line():
    def body(ctx):
        got = expect_grads(ctx, ctx.call("mlp_backward", None), SHAPES, np.float64)
        got["b"]  # the check cannot go on without it

    failure, _ = run(body, {"W": np.ones((3, 2))})
    assert failure.message == "cannot judge this without grads['b'], which is missing"


def test_the_call_line_is_the_call_that_returned_the_failing_value():
    from grader.checks import expect_close

    def body(ctx):
        first = ctx.call("mlp_forward", np.zeros((7, 5)), np.zeros(7, np.int64), 3)
        ctx.call("mlp_forward", np.zeros((64, 128)), np.zeros(64, np.int64), 4)
        expect_close(ctx, first, np.ones(2), "loss", np.float64)

    failure, ctx = run(body, np.zeros(2), np.ones(2))
    assert failure is not None
    assert ctx.last_call.startswith("mlp_forward(X=float64[7, 5]") and ctx.last_call.endswith("params=3)")


def test_scalars_show_their_values_and_arrays_their_shapes():
    assert describe_value(7) == "7"
    assert describe_value(np.int64(3)) == "3"
    assert describe_value(True) == "True"
    assert describe_value(0.5) == "0.5"
    assert describe_value(np.zeros((2, 3), np.float32)) == "float32[2, 3]"


def test_a_loss_failure_shows_the_forward_call_not_the_backward_one_after_it():
    # stability calls mlp_forward, then mlp_backward on its cache, then judges the loss first.
    path = Path(__file__).parent / "multibug" / "part4" / "four_bugs.py"
    result = grade_example(CATALOG, CATALOG.get("part4"), path, seed=1)
    stability = next(c for c in result.checks if c.name == "stability")
    assert stability.status == FAIL and stability.message.startswith("loss")
    assert stability.call.startswith("mlp_forward(X="), stability.call


def test_stability_judges_a_softmax_bug_under_a_mask_bug_and_leaves_other_bugs_to_their_checks():
    kata = CATALOG.get("part4")
    both = grade_example(CATALOG, kata, Path(__file__).parent / "multibug" / "part4" / "h1_mask_and_global_max.py",
                         seed=1)
    assert "global-max" in {d.id for c in both.checks if c.name == "stability" for d in c.diagnoses}
    # A mask bug alone is the gradients check's finding: large logits change nothing in it.
    mask = grade_example(CATALOG, kata, kata.folder / "mistakes" / "relu_mask_from_h1.py", seed=1)
    stability = next(c for c in mask.checks if c.name == "stability")
    assert stability.status != FAIL and not stability.diagnoses


@pytest.mark.parametrize("name", ["relu_mask_from_h1.py", "relu_inplace_overwrites_z1.py"])
def test_a_relu_mask_bug_is_one_problem_even_where_it_leaks_into_a_dead_unit(name):
    # The dead unit's gradient is a symptom of the mask: naming it apart would count one bug twice.
    kata = CATALOG.get("part4")
    result = grade_example(CATALOG, kata, Path(kata.folder) / "mistakes" / name, seed=1)
    assert [p.id for p in result.problems] == ["relu-grad-where-negative"]
    dead = next(c for c in result.checks if c.name == "dead-unit")
    assert dead.status == FAIL and [d.id for d in dead.diagnoses] == ["relu-grad-where-negative"]
    assert not unexplained(result.checks, result.problems)   # finite differences included
