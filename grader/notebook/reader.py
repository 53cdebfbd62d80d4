"""A `.ipynb` file's code cells, read the way the grader reads any learner file.

The file is opened without following links and without blocking, must be a
regular file and at most `MAX_BYTES`, and is read once; `nbformat` then parses
and upgrades it (any nbformat 4.x, and older versions it can convert). It is
imported here, on first use: it lives in the `notebook` extra.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.notebook.cells import Cell

MAX_BYTES = 32 << 20       # outputs (plots) make notebooks much larger than their code
INSTALL_HINT = "pip install 'backprop-katas[notebook]'"


class NotebookError(Exception):
    """The notebook cannot be read; the message says why, in the learner's terms."""


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NotebookError(f"{path.name} does not exist") from None
    except OSError as exc:
        if os.path.islink(path):
            raise NotebookError(f"{path.name} is a symbolic link; the grader reads only regular files: "
                                "copy the notebook instead of linking it") from None
        raise NotebookError(f"{path.name} cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookError(f"{path.name} is not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise NotebookError(f"{path.name} cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise NotebookError(f"{path.name} is larger than {limit >> 20} MiB, the most the grader reads of a notebook "
                            "(clear its outputs and save it again)")
    return b"".join(chunks)


def parse(data: bytes, name: str = "the notebook") -> list[Cell]:
    """The code cells of a notebook given as bytes, in document order, labelled `cell N`
    (N counts every cell, Markdown too, as Jupyter shows them)."""
    try:
        import nbformat
    except ImportError:
        raise NotebookError(f"reading notebooks needs nbformat: {INSTALL_HINT}") from None
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - JSON, schema, version and decoding errors alike
        raise NotebookError(f"{name} is not a notebook nbformat can read ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
    cells = []
    for number, cell in enumerate(notebook.get("cells", []), 1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append(Cell(f"cell {number}", "".join(source) if isinstance(source, list) else str(source)))
    return cells


def read_cells(path: Path) -> list[Cell]:
    path = Path(path)
    return parse(read_bytes(path), path.name)
