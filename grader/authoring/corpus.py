"""A kata's known mistakes and correct variants: learner-style files that declare their fate.

Each file in `katas/<id>/mistakes/` or `katas/<id>/variants/` is a complete
solution module with a module-level literal, read here from the AST (the file is
only ever run inside the sandbox):

    KATA_EXPECT = {"fails": ["batch-mean"]}   # these checks must fail (or error)
    KATA_EXPECT = {"warns": ["log-space-loss"]}  # these must warn; the kata still passes
    KATA_EXPECT = {"passes": True}             # every check passes, no warning
    "diagnoses": ["missing-1-over-B", ...]     # with fails/warns: each id must be reported
    "needs": ["part1", ...]                    # optional: grade next to those katas' references
"""
from __future__ import annotations

import ast
import shutil
import tempfile
from pathlib import Path

from grader.curriculum import loading
from grader.curriculum.catalog import Catalog
from grader.curriculum.kata import Kata
from grader.grading.engine import grade_file
from grader.model.results import KataResult

EXPECT_KEYS = {"fails", "warns", "passes", "diagnoses", "needs"}
FOLDERS = ("mistakes", "variants")


def read_expect(path: Path) -> dict:
    """The KATA_EXPECT literal of a kata file."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "KATA_EXPECT"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"{path} has no module-level KATA_EXPECT = {{...}} literal")


def example_files(kata: Kata, folder: str) -> list[Path]:
    return sorted((kata.folder / folder).glob("*.py"))


def check_names(kata: Kata) -> list[str]:
    """Every check a grade of `kata` can report (numpy-only included for NumPy parts)."""
    return [name for name, _ in loading.planned_checks(kata) or []]


def grade_example(catalog: Catalog, kata: Kata, path: Path, seed: int, **limits) -> KataResult:
    """Grade `path` against `kata`; with "needs", in a scratch workspace next to those
    katas' reference files (as a learner's part4 may import its own part1)."""
    needs = read_expect(path).get("needs", [])
    if not needs:
        return grade_file(kata, path, seed, **limits)
    with tempfile.TemporaryDirectory(prefix="kata-example-") as scratch:
        for other in map(catalog.get, needs):
            shutil.copyfile(other.reference_path, Path(scratch) / other.learner_file)
        target = Path(scratch) / kata.learner_file
        shutil.copyfile(path, target)
        return grade_file(kata, target, seed, **limits)
