"""No false alarms: correct-but-unusual solutions in katas/<id>/variants/ pass every check.

Each variant is a complete learner-style module with `KATA_EXPECT = {"passes": True}`
(read from its AST; the file is never imported here). It must pass on two seeds
with every check "pass": no warning, no failure, no error. A variant may add
`"needs": ["part1", ...]`: it is then graded in a workspace next to those katas'
reference files, as a learner's part4 that imports its own earlier parts is.
"""
from __future__ import annotations

import ast


import pytest

from grader.catalog import Catalog
from grader.corpus import EXPECT_KEYS, check_names, example_files, grade_example, read_expect
from grader.results import PASS

CATALOG = Catalog.builtin()
SEEDS = (20240611, 7)








def summary(result) -> str:
    lines = [f"{result.id}: passed={result.passed} fatal={result.fatal!r}"]
    for c in result.checks:
        lines.append(f"  {c.name}: {c.status}: {c.message}" + (f" | {c.details[:3]}" if c.details else ""))
    if result.output.strip():
        lines.append("  output: " + result.output.strip()[:500])
    return "\n".join(lines)


VARIANTS = [(kata, path) for kata in CATALOG for path in example_files(kata, "variants")]


@pytest.mark.parametrize("kata", list(CATALOG), ids=lambda k: k.id)
def test_every_kata_has_variants(kata):
    assert list((kata.folder / "variants").glob("*.py")), f"{kata.id} has no correct-but-unusual variants"


@pytest.mark.parametrize("kata, path", [pytest.param(k, p, id=f"{k.id}/{p.name}") for k, p in VARIANTS])
def test_variant_file_is_tidy(kata, path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    doc = ast.get_docstring(tree)
    assert doc and doc.splitlines()[0].strip(), "the module docstring's first line must say what is unusual"
    expect = read_expect(path)
    assert set(expect) <= EXPECT_KEYS, f"unknown KATA_EXPECT keys {set(expect) - EXPECT_KEYS}"
    assert expect.get("passes") is True and not {"fails", "warns"} & set(expect), \
        'a variant declares KATA_EXPECT = {"passes": True}'
    for other in expect.get("needs", []):
        CATALOG.get(other)  # raises KeyError for an unknown kata
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    missing = [f for f in kata.functions if f not in defined]
    assert not missing, f"a variant must implement every function of the kata; missing {missing}"


@pytest.mark.parametrize("kata, path, seed", [pytest.param(k, p, s, id=f"{k.id}/{p.name}@{s}")
                                              for k, p in VARIANTS for s in SEEDS])
def test_variant_passes_cleanly(kata, path, seed, tmp_path):
    result = grade_example(CATALOG, kata, path, seed)
    assert result.fatal is None, f"{path.name} did not load or crashed (seed {seed}):\n{summary(result)}"
    not_clean = [c.name for c in result.checks if c.status != PASS]
    assert not not_clean, f"false alarm: {not_clean} on a correct variant (seed {seed}):\n{summary(result)}"
    assert sorted(c.name for c in result.checks) == sorted(check_names(kata)), \
        f"not every check ran (seed {seed}):\n{summary(result)}"
    assert result.passed
