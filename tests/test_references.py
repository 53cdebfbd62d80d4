"""The shipped references pass every hidden check, and NumPy agrees with autograd."""
import importlib.util

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.curriculum.catalog import Catalog
from grader.grading.engine import grade_kata
from grader.model.results import PASS

CATALOG = Catalog.builtin()
KATA_IDS = [k.id for k in CATALOG]


def load(name):
    kata = CATALOG.get(name)
    spec = importlib.util.spec_from_file_location(f"ref_{name}", kata.reference_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kata_id", KATA_IDS)
@pytest.mark.parametrize("seed", [0, 12345])
def test_reference_passes_every_check_without_warnings(kata_id, seed):
    # Every check runs float32 and float64 cases, so this covers both dtypes.
    result = grade_kata(CATALOG.get(kata_id), CATALOG.get(kata_id).solutions_dir, seed=seed, timeout=60)
    assert result.fatal is None
    not_clean = [(c.name, c.status, c.message) for c in result.checks if c.status != PASS]
    assert not not_clean
    assert result.passed


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_untouched_stub_is_reported_not_implemented(kata_id, tmp_path):
    kata = CATALOG.get(kata_id)
    (tmp_path / kata.learner_file).write_bytes(kata.stub_path.read_bytes())
    result = grade_kata(kata, tmp_path, seed=1, timeout=60)
    assert not result.passed
    assert result.status == "not-implemented"
    assert set(result.not_implemented) == set(kata.functions)
    assert all("not implemented yet" in c.message for c in result.checks)


MLP = load("part4")
TORCH = load("part5")


def random_problem(seed, B, D, H, C, dtype):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, D)).astype(dtype)
    y = rng.integers(0, C, size=B).astype(np.int64)
    params = {"W1": rng.standard_normal((D, H)).astype(dtype), "b1": rng.standard_normal(H).astype(dtype),
              "W2": rng.standard_normal((H, C)).astype(dtype), "b2": rng.standard_normal(C).astype(dtype)}
    return X, y, params


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), B=st.integers(1, 9), D=st.integers(1, 7), H=st.integers(1, 8),
       C=st.integers(2, 6), dtype=st.sampled_from([np.float32, np.float64]))
def test_numpy_reference_agrees_with_torch_autograd(seed, B, D, H, C, dtype):
    X, y, params = random_problem(seed, B, D, H, C, dtype)
    loss, cache = MLP.mlp_forward(X, y, params)
    manual = MLP.mlp_backward(cache)
    auto = TORCH.autograd_gradients(X, y, params)
    tl = TORCH.torch_mlp_loss(torch.from_numpy(X.copy()), torch.from_numpy(y),
                              {k: torch.from_numpy(v.copy()) for k, v in params.items()})
    rtol, atol = (1e-4, 1e-5) if dtype == np.float32 else (1e-10, 1e-12)
    assert np.asarray(loss).dtype == dtype
    assert abs(float(loss) - float(tl)) <= atol + rtol * abs(float(tl))
    assert set(manual) == set(auto) == {"W1", "b1", "W2", "b2", "X"}
    for name in manual:
        assert manual[name].shape == auto[name].shape
        assert manual[name].dtype == dtype
        np.testing.assert_allclose(manual[name], auto[name], rtol=rtol, atol=atol)
    assert TORCH.gradients_match(manual, auto, rtol=rtol, atol=atol)


def test_degenerate_sizes_b1_c2_h1():
    X, y, params = random_problem(3, 1, 3, 1, 2, np.float64)
    params["b1"][:] = 5.0  # keep the single hidden unit on, so the gradient is not trivially zero
    _, cache = MLP.mlp_forward(X, y, params)
    manual = MLP.mlp_backward(cache)
    auto = TORCH.autograd_gradients(X, y, params)
    assert manual["W1"].shape == (3, 1) and manual["b1"].shape == (1,) and manual["X"].shape == (1, 3)
    for name in manual:
        np.testing.assert_allclose(manual[name], auto[name], rtol=1e-10, atol=1e-12)
    assert np.abs(manual["W1"]).sum() > 0
