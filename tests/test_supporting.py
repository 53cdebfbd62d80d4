"""A finding that agrees with a mistake but cannot prove it (one tensor exactly B× off at
one batch size) is named only where another check proves that mistake."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.authoring.corpus import grade_example
from grader.grading.engine import grade_file
from grader.curriculum.catalog import Catalog
from grader.model.diagnoses import diagnosis
from grader.model.problems import find, settle_supporting, unexplained
from grader.model.results import FAIL, CheckResult

CATALOG = Catalog.builtin()
KATAS = Path(__file__).resolve().parent.parent / "katas"


def failing(name, *diagnoses):
    return CheckResult(name, name, FAIL, "off", diagnoses=list(diagnoses))


def test_a_supporting_finding_is_kept_only_where_another_check_proves_it():
    proof = diagnosis("missing-1-over-B", "exactly B× at B = 6 and 11")
    checks = [failing("values", diagnosis("missing-1-over-B", "dW is B× at B = 7", supports=True)),
              failing("batch-mean", proof),
              failing("other", diagnosis("extra-1-over-B", "db is 1/B× at B = 7", supports=True))]
    settle_supporting(checks)
    assert [d.id for d in checks[0].diagnoses] == ["missing-1-over-B"]
    assert checks[2].diagnoses == []          # nothing proves an extra 1/B: a coincidence, not named
    problems = find(checks)
    assert [p.id for p in problems] == ["missing-1-over-B"]
    assert problems[0].evidence[0] == "exactly B× at B = 6 and 11"   # the proof first
    assert problems[0].checks == ["values", "batch-mean"]
    assert [c.name for c in unexplained(checks, problems)] == ["other"]


def test_one_missing_1_over_b_explains_every_check_it_breaks():
    kata = CATALOG.get("part4")
    result = grade_example(CATALOG, kata, KATAS / "part4" / "mistakes" / "no_batch_divide.py", seed=1234)
    assert [p.id for p in result.problems] == ["missing-1-over-B"]
    assert not unexplained(result.checks, result.problems), [c.name for c in unexplained(result.checks,
                                                                                          result.problems)]


def test_a_constant_factor_that_equals_b_once_is_not_called_a_missing_1_over_b(learner_workspace):
    # dW is 7× the right value at every batch size: at B = 7 that looks like B×, but the
    # batch-mean check sees a constant, so no check proves a 1/B mistake.
    reference = (KATAS.parent / "solutions" / "part2_linear_backward.py").read_text()
    source = reference.replace("    return dA, dW, db", "    return dA, 7.0 * dW, db")
    assert source != reference
    kata, ws = learner_workspace("part2", source)
    result = grade_file(kata, ws / kata.learner_file, seed=1)
    assert not result.passed
    ids = {d.id for c in result.checks for d in c.diagnoses}
    assert not ids & {"missing-1-over-B", "extra-1-over-B"}, ids


def test_a_shape_exception_caused_by_a_flagged_wrong_shape_is_that_bug_not_a_second_one():
    from grader.model.problems import fold_shape_consequences

    keepdims = diagnosis("bias-keepdims", "shape (1, 8) where the bias has shape (8,)", got=[1, 8])
    same_size = diagnosis("shape-error", "b -= lr * db: (8,) and (1, 8)", shapes=[[8], [1, 8]])
    other_size = diagnosis("shape-error", "b -= lr * db: (32,) and (1, 32)", shapes=[[32], [1, 32]])
    unrelated = diagnosis("shape-error", "Z + b[:, None]: (7, 3) and (3, 1)", shapes=[[7, 3], [3, 1]])
    checks = [failing("shapes", keepdims), failing("train", same_size), failing("steps", other_size),
              failing("forward", unrelated)]
    fold_shape_consequences(checks)
    assert [[d.id for d in c.diagnoses] for c in checks] == [
        ["bias-keepdims"], ["bias-keepdims"], ["bias-keepdims"], ["shape-error"]]
    assert checks[2].diagnoses[0].evidence.startswith("b -= lr * db")   # the exception's own evidence
    assert [p.id for p in find(checks)] == ["bias-keepdims", "shape-error"]


def test_part7_keepdims_is_one_problem_though_training_raises_on_it():
    kata = CATALOG.get("part7")
    result = grade_example(CATALOG, kata, KATAS / "part7" / "mistakes" / "db_keepdims.py", seed=1)
    assert [p.id for p in result.problems] == ["bias-keepdims"]
    assert any("-=" in e for e in result.problems[0].evidence)


@pytest.mark.parametrize("kata_id, name, proven", [("part4", "db2_mean.py", "bias-averaged"),
                                                    ("part4", "onehot_not_subtracted.py", "one-hot-not-subtracted"),
                                                    ("part2", "db_mean.py", "bias-averaged")])
def test_every_failing_check_of_a_one_bug_file_points_to_that_bug(kata_id, name, proven):
    kata = CATALOG.get(kata_id)
    result = grade_example(CATALOG, kata, KATAS / kata_id / "mistakes" / name, seed=1)
    assert [p.id for p in result.problems] == [proven]
    assert not unexplained(result.checks, result.problems), [c.name for c in unexplained(result.checks,
                                                                                          result.problems)]
