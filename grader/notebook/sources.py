"""Where a kata's code is when it lives in a notebook, and its snapshot for grading.

A notebook's code becomes the kata's learner file in a `Snapshot` (see
`grader.sandbox.snapshot`): the grading session hands it to the engine, which
grades it in the same sandbox as any file. Which notebook holds a kata:

- the one named with `--notebook` (every kata is looked for in it);
- otherwise, only when the folder has no `.py` file of the kata: the notebook named
  after it (`part2_linear_backward.ipynb`), else the first other notebook in the
  folder that defines one of its functions (`core_question.ipynb` first, then by name).
"""
from __future__ import annotations

import os
from pathlib import Path

from grader.notebook.cells import Cell, defines, module_source
from grader.notebook.reader import NotebookError, read_cells
from grader.sandbox.policy import Limits
from grader.sandbox.snapshot import Snapshot, SnapshotError

CORE_NOTEBOOK = "core_question.ipynb"
SUFFIX = ".ipynb"


def notebook_name(kata) -> str:
    return Path(kata.learner_file).stem + SUFFIX


def notebooks_in(folder: Path) -> list[Path]:
    """The folder's own notebooks (hidden ones and checkpoints left out), core first, then by name."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(SUFFIX) and not n.startswith("."))
    except OSError:
        return []
    names.sort(key=lambda n: n != CORE_NOTEBOOK)
    return [Path(folder) / n for n in names]


def snapshot_from_cells(kata, cells: list[Cell], where: Path, origin: str, live: dict | None = None,
                        keep_broken: bool = True, limits: Limits | None = None) -> Snapshot:
    """The kata's learner file made from `cells`, as a snapshot of one file. `where`
    names the notebook (its path, or `NAME.ipynb`): reports then say which notebook to fill in."""
    limits = limits or Limits()
    source = module_source(cells, list(kata.functions), origin=origin, live=live, keep_broken=keep_broken)
    data = source.encode("utf-8")
    snap = Snapshot(Path(where), kata.learner_file, {kata.learner_file: data})
    if len(data) > limits.file_bytes:
        snap.files.clear()
        snap.error = SnapshotError("unreadable", f"the code {origin} gives for {kata.id} is larger than "
                                                 f"{limits.file_bytes // 1024} KiB, the most the grader reads")
    return snap


def error_snapshot(kata, where: Path, message: str) -> Snapshot:
    return Snapshot(Path(where), kata.learner_file, error=SnapshotError("unreadable", message))


class NotebookSources:
    """`snapshot_for` of a `GradingSession`: kata -> the snapshot of its notebook code,
    or None to grade its `.py` file as usual."""

    def __init__(self, folder: Path, notebook: Path | None = None):
        self.folder = Path(folder)
        self.notebook = Path(notebook) if notebook else None
        self._cells: dict[Path, list[Cell] | NotebookError] = {}

    def cells(self, path: Path) -> list[Cell]:
        if path not in self._cells:
            try:
                self._cells[path] = read_cells(path)
            except NotebookError as exc:
                self._cells[path] = exc
        found = self._cells[path]
        if isinstance(found, NotebookError):
            raise found
        return found

    def defines(self, path: Path, kata) -> bool:
        """Whether the notebook at `path` defines one of the kata's functions (False if unreadable)."""
        try:
            return defines(self.cells(path), list(kata.functions))
        except NotebookError:
            return False

    def notebook_for(self, kata) -> Path | None:
        if self.notebook is not None:
            return self.notebook
        if os.path.lexists(self.folder / kata.learner_file):
            return None   # the kata's .py file wins
        own = self.folder / notebook_name(kata)
        if os.path.lexists(own):
            return own
        for path in notebooks_in(self.folder):
            if self.defines(path, kata):
                return path
        return None

    def __call__(self, kata) -> Snapshot | None:
        path = self.notebook_for(kata)
        if path is None:
            return None
        try:
            cells = self.cells(path)
        except NotebookError as exc:
            return error_snapshot(kata, path, str(exc))
        return snapshot_from_cells(kata, cells, path, path.name)


def folder_sources(folder: Path | None, notebook: Path | None = None) -> NotebookSources | None:
    """The notebook sources for grading `folder`, or None when no notebook is involved
    (then nothing of this package's notebook support, nor nbformat, is used)."""
    if notebook is not None:
        return NotebookSources(folder or Path(notebook).parent, notebook)
    if folder is None or not notebooks_in(folder):
        return None
    return NotebookSources(folder)
