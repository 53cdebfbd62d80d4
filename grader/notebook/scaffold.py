"""`kata init --notebook`: a workspace of notebooks instead of `.py` files.

One notebook per kata (`part2_linear_backward.ipynb`), or with `core` one notebook
for the core question (`core_question.ipynb`: parts 1 to 5, from the softmax to
PyTorch autograd). Each kata gets its instructions as Markdown, its stub as a code
cell, and a cell that grades it; the notebook loads the extension first. With
`colab`, the very first cell is a plain `%pip install` of the package, so the
notebook runs on a fresh Colab machine. The notebooks are nbformat 4 with stable
cell ids, and open in Jupyter, JupyterLab, VS Code and Colab alike.

Nothing that exists is overwritten unless `force`, and then only after a copy into
`.kata-backups/<timestamp>/`, as `kata init` does for `.py` files.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from grader.notebook.sources import CORE_NOTEBOOK, notebook_name

CORE_KATAS = ("part1", "part2", "part3", "part4", "part5")
PACKAGE = "backprop-katas"
INSTALL_CELL = f'%pip install "{PACKAGE}[notebook]"'
LOAD_CELL = "%load_ext grader"


@dataclass
class NotebookInit:
    workspace: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    backup: Path | None = None


def stub_code(source: str) -> str:
    """The stub without its module docstring (the instructions above it say more)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(getattr(tree.body[0], "value", None),
                                                                       ast.Constant) \
            and isinstance(tree.body[0].value.value, str):
        lines = source.split("\n")
        return "\n".join(lines[tree.body[0].end_lineno:]).strip("\n") + "\n"
    return source


def _kata_cells(nbf, kata, prefix: str) -> list:
    intro = (f"*{kata.interview_part}.* Fill in the code cell below and run it, then run the cell after it "
             f"to grade what you wrote: `%kata grade {kata.id}`. Stuck? `%kata hint {kata.id}` gives the next "
             f"hint, `%kata show {kata.id}` these instructions again.")
    cells = [nbf.new_markdown_cell(kata.instructions.strip() + "\n\n---\n" + intro),
             nbf.new_code_cell(stub_code(kata.stub_path.read_text(encoding="utf-8")).rstrip("\n")),
             nbf.new_code_cell(f"%kata grade {kata.id}")]
    for n, cell in enumerate(cells, 1):
        cell.id = f"{prefix}-{n}"
    return cells


def _notebook(nbf, title: str, text: str, katas, colab: bool, closing: str | None = None):
    notebook = nbf.new_notebook()
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    if colab:
        notebook.metadata["colab"] = {"provenance": []}
    head = []
    if colab:
        head.append(nbf.new_code_cell(INSTALL_CELL))
    head.append(nbf.new_markdown_cell(f"# {title}\n\n{text}" if title else text))
    head.append(nbf.new_code_cell(LOAD_CELL))
    for n, cell in enumerate(head, 1):
        cell.id = f"start-{n}"
    notebook.cells = head
    for kata in katas:
        notebook.cells += _kata_cells(nbf, kata, kata.id)
    if closing:
        tail = [nbf.new_markdown_cell(closing), nbf.new_code_cell("%kata list")]
        for n, cell in enumerate(tail, 1):
            cell.id = f"end-{n}"
        notebook.cells += tail
    return notebook


def notebooks_for(katas, core: bool, colab: bool) -> dict[str, object]:
    """file name -> notebook node (nbformat), for the katas given."""
    import nbformat.v4 as nbf

    setup = ("Run the cells from the top. " + ("The first one installs the package; " if colab else "")
             + "`%load_ext grader` adds the `%kata` command. Your code is graded in a sandbox, "
               "outside this kernel: grading never runs your cells again.")
    if core:
        chosen = [k for k in katas if k.id in CORE_KATAS]
        text = ("The whole onsite question in one notebook: a numerically stable softmax cross-entropy, "
                "the linear layer and the ReLU backward, the two-layer MLP by hand in NumPy, then the same "
                "gradients from PyTorch autograd, checked against yours.\n\n" + setup)
        closing = "## Done?\n\nEvery kata above green? `%kata list` shows your progress."
        return {CORE_NOTEBOOK: _notebook(nbf, "The core question: an MLP's backward pass, by hand and with "
                                              "autograd", text, chosen, colab, closing)} if chosen else {}
    # A kata's own instructions open with its title: no second heading above them.
    return {notebook_name(k): _notebook(nbf, "", setup, [k], colab) for k in katas}


def init_notebooks(directory: Path, katas, *, core: bool = False, colab: bool = False,
                   force: bool = False) -> NotebookInit:
    import nbformat

    from grader.fsutil import write_atomic
    from grader.workspace.backups import backup_files
    from grader.workspace.files import WorkspaceError, init_workspace

    directory = Path(directory).expanduser().resolve()
    if directory.exists() and not directory.is_dir():
        raise WorkspaceError(f"{directory} exists and is not a folder")
    notebooks = notebooks_for(list(katas), core, colab)
    init_workspace(directory, [])   # the folder and its progress record, no .py stubs
    outcome = NotebookInit(directory)
    existing = [name for name in notebooks if (directory / name).exists()]
    if force and existing:
        outcome.backup = backup_files(directory, existing)
    for name, notebook in notebooks.items():
        target = directory / name
        if target.exists() and not force:
            outcome.kept.append(name)
            continue
        (outcome.replaced if target.exists() else outcome.created).append(name)
        write_atomic(target, nbformat.writes(notebook) + "\n")
    return outcome
