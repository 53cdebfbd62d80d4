"""Shared pytest fixtures. Keep them generic: several test files use them."""
from __future__ import annotations

import textwrap
from pathlib import Path

from grader.threads import use_one_blas_thread

use_one_blas_thread()   # as `kata` does, before anything imports NumPy

import pytest  # noqa: E402

from grader.curriculum.catalog import Catalog  # noqa: E402
from grader.workspace.files import init_workspace  # noqa: E402


def pytest_configure(config):
    """The suite grades hundreds of files: each forks from a warm sandbox (tests that need a
    cold one ask for it). The isolation tests run every attack on both paths."""
    from grader.grading.engine import use_warm_sandboxes

    use_warm_sandboxes()


@pytest.fixture(autouse=True)
def _no_outside_packs(monkeypatch):
    """A developer's own KATA_PATH or KATA_WORKSPACE must not leak into the tests."""
    monkeypatch.delenv("KATA_PATH", raising=False)
    monkeypatch.delenv("KATA_WORKSPACE", raising=False)


@pytest.fixture(autouse=True)
def _fixed_terminal_width(monkeypatch):
    """Reports wrap to the terminal's width: the same 100 columns (the fallback) in every
    process, whatever the developer's terminal or pytest-xdist (which sets COLUMNS=80) says."""
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The built-in katas."""
    return Catalog.builtin()


@pytest.fixture
def learner_workspace(tmp_path, catalog):
    """Factory: `learner_workspace(kata_id, source)` makes a fresh workspace with
    `kata init` (all stubs), overwrites that kata's learner file with `source`
    (dedented), and returns `(kata, workspace_path)`. `source=None` keeps the stub."""
    counter = {"n": 0}

    def make(kata_id: str, source: str | None = None, name: str | None = None):
        counter["n"] += 1
        ws = tmp_path / (name or f"ws{counter['n']}")
        init_workspace(ws, list(catalog))
        kata = catalog.get(kata_id)
        if source is not None:
            (ws / kata.learner_file).write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
        return kata, Path(ws)

    return make
