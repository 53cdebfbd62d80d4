"""Importing a kata's trusted Python: its checks, its references, its helper files.

The one place in the grader that loads code from files (the sandbox's harness
imports the learner's, in the learner's process). Every module is imported once
per process and kept here, not on the Kata, so a Kata stays plain data.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from grader.curriculum.kata import CatalogError, Kata

NUMPY_ONLY = ("numpy-only", "Uses NumPy only")   # the check the engine adds to every NumPy kata
_MODULES: dict[str, object] = {}      # by resolved path
_BY_NAME: dict[str, object] = {}      # by the path as asked for


def import_file(path: Path, name: str | None = None):
    """The module at `path`, imported once (by its resolved path)."""
    path = Path(path)
    asked = str(path) if path.is_absolute() else None   # a relative path depends on the folder we are in
    module = _BY_NAME.get(asked)   # checks ask for the reference on every use: skip resolve()
    if module is not None:
        return module
    key = str(path.resolve())
    module = _MODULES.get(key)
    if module is not None:
        if asked:
            _BY_NAME[asked] = module
        return module
    if not path.exists():
        raise CatalogError(f"missing file: {path}")
    name = name or f"_kata_module_{len(_MODULES)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _MODULES[key] = module
    if asked:
        _BY_NAME[asked] = module
    return module


def forget() -> None:
    """Drop every module imported so far: the next use imports the file again, as a fresh
    process would."""
    _MODULES.clear()
    _BY_NAME.clear()


def checks_module(kata: Kata):
    return import_file(kata.checks_path, f"_kata_checks_{kata.id}")


def checks(kata: Kata) -> list:
    """The kata's hidden checks, in the order they run."""
    found = getattr(checks_module(kata), "CHECKS", None)
    if not found:
        raise CatalogError(f"{kata.checks_path} defines no CHECKS list")
    return list(found)


def reference(kata: Kata):
    """The kata's reference module (trusted code, imported in the grader's process)."""
    return import_file(kata.reference_path, f"_kata_reference_{kata.id}")


def reference_module(kata: Kata, filename: str):
    """Another reference of the kata's source, e.g. part4's for part5."""
    path = kata.solutions_dir / filename
    return import_file(path, f"_kata_reference_file_{kata.id}_{path.stem}")


def helper_module(checks_file: str, filename: str):
    """A helper file beside a kata's checks.py (say, part6's test functions)."""
    return import_file(Path(checks_file).resolve().parent / filename)


def planned_checks(kata: Kata) -> list[tuple[str, str]] | None:
    """(name, title) of every check a complete grade of `kata` reports, numpy-only
    included for a NumPy kata; None when its checks.py does not load."""
    try:
        planned = [(c.name, c.title) for c in checks(kata)]
    except Exception:  # noqa: BLE001 - a broken checks.py is reported by grading itself
        return None
    if kata.framework == "numpy" and all(name != NUMPY_ONLY[0] for name, _ in planned):
        planned.append(NUMPY_ONLY)
    return planned
