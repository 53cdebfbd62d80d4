"""Where the built-in katas and references are.

They live at the repository's top level (`katas/`, `solutions/`) and are
installed as data of this package (`grader.katas`, `grader.solutions`, see
pyproject.toml), so an installed backprop-katas adds one importable name,
`grader`, to site-packages. Their import paths say where they are in either case.
"""
from __future__ import annotations

from pathlib import Path

import grader.katas
import grader.solutions

BUILTIN_KATAS = Path(list(grader.katas.__path__)[0]).resolve()
BUILTIN_SOLUTIONS = Path(list(grader.solutions.__path__)[0]).resolve()
# The built-in katas as a pack: the folder holding katas/ and solutions/ (the
# repository, or the installed package).
BUILTIN_ROOT = BUILTIN_KATAS.parent

# Every katas/ and solutions/ folder this process has loaded: the sandbox keeps them
# out of the learner's sight.
_LOADED_FOLDERS: set[str] = {str(BUILTIN_KATAS), str(BUILTIN_SOLUTIONS)}


def remember_folders(*folders: Path) -> None:
    _LOADED_FOLDERS.update(str(f) for f in folders)


def known_kata_folders() -> list[str]:
    return sorted(_LOADED_FOLDERS)
