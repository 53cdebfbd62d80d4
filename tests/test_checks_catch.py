"""Every hidden check can fail: grade the known-wrong solutions in katas/<id>/mistakes/.

Each mistake file is a complete learner-style module with a module-level literal

    KATA_EXPECT = {"fails": [...]}   # check names that must fail (status fail or error)
    KATA_EXPECT = {"warns": [...]}   # check names that must warn; the kata still passes

read here from the file's AST (the file itself is never imported in this
process; only the grader's sandboxed child runs it). Other checks may fail too.
The union of the checks the mistakes declare must cover every check of every
kata, plus "numpy-only" for the NumPy parts.
"""
from __future__ import annotations

import ast


import pytest

from grader.catalog import Catalog
from grader.corpus import EXPECT_KEYS, check_names, example_files, grade_example, read_expect
from grader.results import ERROR, FAIL, WARN

CATALOG = Catalog.builtin()
SEED = 20240611
SECOND_SEED = 7  # also run for the NumPy parts, whose grades are cheap (~0.2 s against ~1.5 s for torch)










def summary(result) -> str:
    lines = [f"{result.id}: passed={result.passed} fatal={result.fatal!r}"]
    for c in result.checks:
        lines.append(f"  {c.name}: {c.status}: {c.message}" + (f" | {c.details[:2]}" if c.details else ""))
    return "\n".join(lines)


MISTAKES = [(kata, path) for kata in CATALOG for path in example_files(kata, "mistakes")]
CASES = [pytest.param(kata, path, seed, id=f"{kata.id}/{path.name}@{seed}")
         for kata, path in MISTAKES
         for seed in ((SEED, SECOND_SEED) if kata.framework == "numpy" else (SEED,))]


@pytest.mark.parametrize("kata, path", [pytest.param(k, p, id=f"{k.id}/{p.name}") for k, p in MISTAKES])
def test_mistake_file_is_tidy(kata, path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    doc = ast.get_docstring(tree)
    assert doc and doc.splitlines()[0].strip(), "the module docstring's first line must name the mistake"
    expect = read_expect(path)
    assert set(expect) <= EXPECT_KEYS, f"unknown KATA_EXPECT keys {set(expect) - EXPECT_KEYS}"
    kinds = [k for k in ("fails", "warns", "passes") if k in expect]
    assert kinds in (["fails"], ["warns"]), f"a mistake declares exactly one of fails/warns, got {kinds}"
    names = expect[kinds[0]]
    assert isinstance(names, list) and names, "list at least one check name"
    unknown = sorted(set(names) - set(check_names(kata)))
    assert not unknown, f"{unknown} are not checks of {kata.id} ({check_names(kata)})"
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    missing = [f for f in kata.functions if f not in defined]
    assert not missing, f"a mistake must implement every function of the kata; missing {missing}"


@pytest.mark.parametrize("kata, path, seed", CASES)
def test_mistake_is_caught(kata, path, seed, tmp_path):
    expect = read_expect(path)
    result = grade_example(CATALOG, kata, path, seed)
    status = {c.name: c.status for c in result.checks}
    internal = [c.name for c in result.checks if c.message.startswith("internal grader error")]
    assert not internal, f"grader bug in {internal} (seed {seed}):\n{summary(result)}"
    if "fails" in expect:
        missed = [name for name in expect["fails"] if status.get(name) not in (FAIL, ERROR)]
        assert not missed, f"{missed} did not fail for {path.name} (seed {seed}):\n{summary(result)}"
        assert not result.passed, f"{path.name} passed the kata (seed {seed}):\n{summary(result)}"
    else:
        missed = [name for name in expect["warns"] if status.get(name) != WARN]
        assert not missed, f"{missed} did not warn for {path.name} (seed {seed}):\n{summary(result)}"
        assert result.passed, (f"{path.name} deserves only a warning but the kata failed (seed {seed}):\n"
                               f"{summary(result)}")


def test_every_check_is_covered_by_a_mistake():
    """Each check of each kata is declared by at least one mistake to fail (or, for a check
    that only ever warns, to warn)."""
    covered: dict[str, set] = {kata.id: set() for kata in CATALOG}
    for kata, path in MISTAKES:
        expect = read_expect(path)
        covered[kata.id] |= set(expect.get("fails", [])) | set(expect.get("warns", []))
    uncovered = [f"{kata.id}:{name}" for kata in CATALOG for name in check_names(kata)
                 if name not in covered[kata.id]]
    assert not uncovered, f"no mistake in katas/*/mistakes/ shows these checks failing: {uncovered}"
