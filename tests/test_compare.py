"""Tolerances and mismatch descriptions in grader/compare.py."""
import numpy as np
import pytest

from grader.checks.compare import compare, describe, tolerances


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rounding_to_the_dtype_passes_but_a_real_error_fails(dtype):
    rng = np.random.default_rng(0)
    expected = rng.standard_normal((64, 10))
    rtol, atol = tolerances(dtype, np.abs(expected).max())
    assert compare(expected.astype(dtype), expected, rtol, atol) is None
    wrong = expected.copy()
    wrong[3, 4] += 1e-3
    m = compare(wrong.astype(dtype), expected, rtol, atol)
    assert m is not None and m.n_bad == 1 and m.worst_index == (3, 4)


def test_absolute_floor_uses_the_tensor_scale():
    expected = np.array([1000.0, 1e-9])
    rtol, atol = tolerances(np.float32, 1000.0)
    # 1e-6 off on a tiny entry of a tensor whose scale is 1000 is float32 rounding, not a bug.
    assert compare(np.array([1000.0, 1e-9 + 1e-6]), expected, rtol, atol) is None


def test_clean_factors_are_named():
    rng = np.random.default_rng(1)
    expected = rng.standard_normal((7, 3))
    rtol, atol = tolerances(np.float64, 1.0)
    message, _ = describe("dW", compare(expected * 7, expected, rtol, atol), {"B": 7})
    assert message == "dW is exactly 7× the expected (= B)"
    message, _ = describe("dW", compare(expected / 7, expected, rtol, atol), {"B": 7})
    assert message == "dW is exactly 1/7× the expected (= 1/B)"
    message, _ = describe("dW", compare(-expected, expected, rtol, atol))
    assert "sign is flipped" in message


def test_transpose_of_a_square_result_is_named():
    expected = np.arange(16.0).reshape(4, 4)
    rtol, atol = tolerances(np.float64, 16.0)
    message, _ = describe("dW", compare(expected.T, expected, rtol, atol))
    assert "transpose" in message


def test_non_finite_entries_always_fail():
    expected = np.ones(5)
    got = expected.copy()
    got[2] = np.nan
    rtol, atol = tolerances(np.float64, 1.0)
    m = compare(got, expected, rtol, atol)
    assert m.non_finite == 1
    assert "non-finite" in describe("db", m)[0]


def test_a_wrong_scalar_is_not_called_a_factor():
    rtol, atol = tolerances(np.float64, 1.0)
    message, _ = describe("loss", compare(np.float64(2.5), np.float64(2.0), rtol, atol))
    assert message == "loss is 2.5, expected 2"
