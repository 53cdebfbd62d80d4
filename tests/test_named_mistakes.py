"""Mistakes found in learners' public code, each named from its own signature.

For each: the recogniser fires on what the mistake computes, stays quiet on the
exact result and on other mistakes' results, and a graded shipped mistake gets
the diagnosis while correct variants written close to it get none.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.authoring.corpus import grade_example
from grader.checks import signatures
from grader.curriculum.catalog import Catalog
from grader.model.diagnoses import hint_for
from grader.sandbox.faults import Faults
from grader.sandbox.policy import Limits
from grader.sandbox.shape_errors import parse_message, shape_error_finding

CATALOG = Catalog.builtin()


def batch(seed=0, B=64, C=10, far=None):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((B, C)) * 2
    y = rng.integers(0, C, size=B)
    if far is not None:
        logits[1, y[1]] = logits[1].max() - far
    return logits, y


def naive_losses(logits, y):
    """-log p[y] from an independent softmax: what a learner's loss head starts from."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True), np.arange(len(y))


# -- loss[0] / B ---------------------------------------------------------------------

def test_first_example_loss_is_recognised_with_and_without_the_division():
    logits, y = batch()
    losses = signatures.per_example_losses(logits, y)
    assert signatures.first_example_loss(losses[0] / len(y), logits, y, np.float64) == "loss[0] / B"
    assert signatures.first_example_loss(losses[0], logits, y, np.float64) == "loss[0]"


@pytest.mark.parametrize("how", ["mean", "sum", "second example", "mean of the last B-1"])
def test_first_example_loss_stays_quiet_on_other_losses(how):
    logits, y = batch()
    losses = signatures.per_example_losses(logits, y)
    value = {"mean": losses.mean(), "sum": losses.sum(), "second example": losses[1] / len(y),
             "mean of the last B-1": losses[1:].mean()}[how]
    assert signatures.first_example_loss(float(value), logits, y, np.float64) is None


# -- a floor under the log -----------------------------------------------------------

def test_a_clip_at_1e_7_is_recognised_with_its_epsilon():
    logits, y = batch(far=30.0)  # one true-class probability near 1e-13
    p, rows = naive_losses(logits, y)
    loss = float(-np.log(np.clip(p[rows, y], 1e-7, 1 - 1e-7)).mean())
    assert signatures.log_floor(loss, logits, y, np.float64) == (1e-7, "clip")


def test_an_epsilon_added_inside_the_log_is_recognised():
    logits, y = batch()
    p, rows = naive_losses(logits, y)
    loss = float(-np.log(p[rows, y] + 1e-12).mean())
    eps, how = signatures.log_floor(loss, logits, y, np.float64)
    assert (eps, how) == (1e-12, "add")


def test_a_floor_that_changes_nothing_is_not_a_floor():
    logits, y = batch(far=30.0)
    p, rows = naive_losses(logits, y)
    loss = float(-np.log(np.maximum(p[rows, y], 1e-300)).mean())  # never bites: the loss is exact
    assert signatures.log_floor(loss, logits, y, np.float64) is None


@pytest.mark.parametrize("factor", [64.0, 1 / 64, 1 / np.log(2), 0.999])
def test_a_wrong_loss_of_another_kind_is_not_called_a_clip(factor):
    logits, y = batch(far=30.0)
    exact = float(signatures.per_example_losses(logits, y).mean())
    assert signatures.log_floor(exact * factor, logits, y, np.float64) is None


# -- the softmax Jacobian twice --------------------------------------------------------

def test_the_jacobian_on_top_of_the_fused_gradient_is_not_the_gradient():
    logits, y = batch(B=7, C=5)
    p, rows = naive_losses(logits, y)
    fused = p.copy()
    fused[rows, y] -= 1
    fused /= len(y)
    twice = signatures.jacobian_again(p, y)
    assert not np.allclose(twice, fused)
    # The Jacobian once, on dL/dp = -onehot/(B p), gives the fused gradient back.
    dprobs = np.zeros_like(p)
    dprobs[rows, y] = -1 / (len(y) * p[rows, y])
    assert np.allclose(p * (dprobs - (dprobs * p).sum(axis=1, keepdims=True)), fused, rtol=1e-12, atol=1e-15)


# -- learner exceptions about shapes ----------------------------------------------------

def test_a_column_bias_is_explained_with_the_learners_operands():
    found = shape_error_finding("ValueError", "operands could not be broadcast together with shapes (7,3) (3,1) ",
                                [{"file": "part2_linear_backward.py", "line": 4, "function": "linear_forward",
                                  "code": "return A @ W + b[:, None]  # bias"}])
    assert found.id == "shape-error"
    assert "b[:, None] has shape (3, 1); adding it to A @ W (7, 3) broadcasts over the wrong axis" in found.evidence
    assert found.evidence.startswith("line 4 (return A @ W + b[:, None]): ")  # the line, without its comment


def test_a_matmul_mismatch_names_both_operands_and_their_inner_sizes():
    message = ("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
               "(n?,k),(k,m?)->(n?,m?) (size 5 is different from 3)")
    found = shape_error_finding("ValueError", message, [{"line": 8, "code": "dA = dZ @ W"}])
    assert "the last axis of dZ has size 3 and the first axis of W has size 5" in found.evidence


def test_np_dot_and_torch_mm_say_which_transpose_fits():
    for type_name, message in (("ValueError", "shapes (7,5) and (3,5) not aligned: 5 (dim 1) != 3 (dim 0)"),
                               ("RuntimeError", "mat1 and mat2 shapes cannot be multiplied (7x5 and 3x5)")):
        found = shape_error_finding(type_name, message, [{"line": 2, "code": "Z = np.dot(X, W)"}])
        assert "X has shape (7, 5) and W has shape (3, 5)" in found.evidence
        assert "W.T has shape (5, 3), which fits" in found.evidence


def test_an_in_place_update_that_would_grow_its_target_suggests_the_sum():
    message = "non-broadcastable output operand with shape (3,) doesn't match the broadcast shape (7,3)"
    found = shape_error_finding("ValueError", message, [{"line": 5, "code": "db += dZ"}])
    assert found.evidence.startswith("line 5 (db += dZ): db has shape (3,)")
    assert ".sum(axis=0)" in found.evidence


def test_torch_broadcasting_with_a_column_is_named_too():
    message = "The size of tensor a (7) must match the size of tensor b (6) at non-singleton dimension 0"
    found = shape_error_finding("RuntimeError", message, [{"line": 3, "code": "Z1 = X @ W1 + b1.unsqueeze(1)"}])
    assert "b1.unsqueeze(1) is a column of 6 entries" in found.evidence


def test_with_two_candidate_operations_no_operand_is_guessed():
    found = shape_error_finding("ValueError", "operands could not be broadcast together with shapes (7,3) (3,7) ",
                                [{"line": 3, "code": "Z = A * s + B * t"}])
    assert "two operands on this line have shapes (7, 3) and (3, 7)" in found.evidence
    assert "A has shape" not in found.evidence


@pytest.mark.parametrize("message", ["division by zero", "could not convert string to float: 'a'",
                                     "setting an array element with a sequence."])
def test_exceptions_that_are_not_about_shapes_get_no_shape_diagnosis(message):
    assert parse_message("ValueError", message) is None
    assert shape_error_finding("ValueError", message, [{"line": 1, "code": "x = f(y)"}]) is None


def test_a_learner_fault_carries_the_shape_diagnosis():
    error = {"kind": "exception", "type": "ValueError",
             "message": "operands could not be broadcast together with shapes (7,3) (3,1) ",
             "frames": [{"file": "/ws/part2_linear_backward.py", "line": 4, "function": "linear_forward",
                         "code": "return A @ W + b[:, None]"}]}
    fault = Faults("part2_linear_backward", Limits()).from_error(error, "linear_forward")
    assert [d.id for d in fault.diagnoses] == ["shape-error"]
    other = dict(error, message="math domain error")
    assert Faults("part2_linear_backward", Limits()).from_error(other, "linear_forward").diagnoses == []


# -- graded: the shipped mistakes get their diagnosis, close correct variants none ----------

MISTAKES = [
    ("part1", "first_example_loss.py", "forward", "first-example-loss"),
    ("part1", "clipped_log.py", "log-space-loss", "clipped-log"),
    ("part1", "softmax_jacobian_twice.py", "backward", "softmax-jacobian-twice"),
    ("part4", "first_example_loss.py", "forward", "first-example-loss"),
    ("part4", "clipped_log.py", "forward", "clipped-log"),
    ("part4", "clipped_log.py", "log-space-loss", "clipped-log"),
    ("part4", "softmax_jacobian_twice.py", "gradients", "softmax-jacobian-twice"),
    ("part5", "epsilon_in_log.py", "loss-value", "epsilon-in-log"),
    ("part1", "log_plus_epsilon.py", "forward", "epsilon-in-log"),
    ("part2", "bias_as_column.py", "forward", "shape-error"),
    ("part4", "bias_as_column.py", "forward", "shape-error"),
    ("part5", "bias_as_column.py", "loss-value", "shape-error"),
]


@pytest.mark.parametrize("kata_id,mistake,check,id", MISTAKES, ids=lambda v: str(v))
def test_each_shipped_mistake_is_named_where_it_fails(kata_id, mistake, check, id):
    kata = CATALOG.get(kata_id)
    result = grade_example(CATALOG, kata, kata.folder / "mistakes" / mistake, seed=5)
    found = next(c for c in result.checks if c.name == check)
    assert found.status in ("fail", "error"), (found.status, found.message)
    named = [d for d in found.diagnoses if d.id == id]
    assert named and named[0].evidence, [d.id for d in found.diagnoses]
    assert named[0].hint == hint_for(kata, id)  # the hint that lists it, not the check's


VARIANTS = [("part1", "jacobian_chain.py"), ("part1", "defensive_floors.py"), ("part4", "jacobian_chain.py"),
            ("part5", "softmax_log_tiny_floor.py"), ("part5", "sorted_items_zip.py"), ("part2", "bias_as_row.py")]


@pytest.mark.parametrize("kata_id,variant", VARIANTS, ids=lambda v: str(v))
def test_correct_variants_close_to_these_mistakes_pass_without_a_diagnosis(kata_id, variant):
    kata = CATALOG.get(kata_id)
    result = grade_example(CATALOG, kata, kata.folder / "variants" / variant, seed=5)
    assert result.passed
    assert all(c.status == "pass" and not c.diagnoses for c in result.checks), \
        [(c.name, c.status, [d.id for d in c.diagnoses]) for c in result.checks]


def test_the_clip_gets_one_verdict_in_both_checks_and_log_of_probs_keeps_its_warning():
    """The position on floors under the log: a floor that changes the loss beyond the
    tolerance fails, named, in the forward check and in the log-space check alike; a
    plain log(probs), whose inf shows itself, stays a warning."""
    kata = CATALOG.get("part4")
    clipped = grade_example(CATALOG, kata, kata.folder / "mistakes" / "clipped_log.py", seed=5)
    status = {c.name: (c.status, [d.id for d in c.diagnoses]) for c in clipped.checks}
    assert status["forward"] == ("fail", ["clipped-log"]) and status["log-space-loss"] == ("fail", ["clipped-log"])
    plain = grade_example(CATALOG, kata, kata.folder / "mistakes" / "log_of_probs.py", seed=5)
    assert {c.name: c.status for c in plain.checks}["log-space-loss"] == "warn"


def test_a_line_where_something_else_could_have_broadcast_names_no_operand():
    # np.where and the comparison broadcast too: the one + is not known to be the culprit.
    found = shape_error_finding("ValueError", "operands could not be broadcast together with shapes (7,3) (3,7) () ",
                                [{"line": 2, "code": "out = np.where(Z > 0, dH, 0) + b"}])
    assert "two operands on this line have shapes (7, 3) and (3, 7)" in found.evidence
    assert "b has shape" not in found.evidence


# -- state kept between calls: named once ------------------------------------------

def _problem_ids(result):
    from grader.model.problems import find

    return [p.id for p in find(result.checks)]


def test_accumulating_gradients_are_one_problem_not_two():
    kata = CATALOG.get("part2")
    path = kata.folder / "mistakes" / "accumulates_across_calls.py"
    result = grade_example(CATALOG, kata, path, 3)
    assert _problem_ids(result) == ["grads-accumulate"]


def test_state_that_does_not_accumulate_is_still_called_state():
    kata = CATALOG.get("part2")
    path = kata.folder / "mistakes" / "momentum_in_backward.py"   # 1.9x the gradient the second time
    result = grade_example(CATALOG, kata, path, 3)
    assert "not-repeatable" in _problem_ids(result)
    assert "grads-accumulate" not in _problem_ids(result)
