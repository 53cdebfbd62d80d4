"""Notebooks end to end: real notebooks executed by nbclient on a real ipykernel, the
CLI reading .ipynb files, `kata init --notebook`, and notebook submissions in a class.

Kernels start in about a second and part5 needs torch, so the executed notebooks are
few and each one covers several cases."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
from nbclient import NotebookClient  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

from grader.curriculum.catalog import Catalog  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CATALOG = Catalog.builtin()


def source_of(kata_id: str, mistake: str | None = None) -> str:
    kata = CATALOG.get(kata_id)
    path = kata.folder / "mistakes" / mistake if mistake else kata.reference_path
    return path.read_text(encoding="utf-8")


def make(cells) -> object:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [c if not isinstance(c, str) else new_code_cell(c) for c in cells]
    return nb


def execute(nb, folder: Path, timeout: int = 240):
    env_before = os.environ.pop("KATA_WORKSPACE", None)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if env_before is not None:
            os.environ["KATA_WORKSPACE"] = env_before
    return nb


def outputs(cell) -> str:
    """Everything a cell showed: streams, and every form of its display data."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.extend(str(v) for v in out.data.values())
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return "\n".join(parts)


def report_of(cell) -> dict:
    data = [o.data for o in cell.outputs if o.output_type == "display_data"]
    assert data, outputs(cell)
    return data[-1]


LOOPS = """
def relu_forward(Z):
    while True:
        pass

def relu_backward(dH, Z):
    return dH * (Z > 0)
"""

COUNTED = """
calls = []

def linear_forward(A, W, b):
    calls.append(1)
    return A @ W + b
"""


def test_a_notebook_grades_green_red_and_survives_an_endless_loop(tmp_path):
    """One kernel: a correct kata is green, a buggy one names its mistake, a function that
    never returns is stopped by the sandbox, and the kernel carries on untouched."""
    part2 = source_of("part2").replace("def linear_forward", "def _unused_forward", 1)
    nb = make([
        "%load_ext grader",
        "import numpy as np\n!echo shell lines run in the kernel, never in the grade\n%time x = 1",
        COUNTED + part2.replace("def _unused_forward", "def _unused", 1),
        "linear_forward(np.ones((2, 3)), np.ones((3, 4)), np.ones(4)).shape",
        "%kata grade part2",
        source_of("part1", "no_batch_divide.py"),
        "%kata grade softmax-ce",
        LOOPS,
        "%kata grade part3 --timeout 1",
        "import sys\nprint('alive', len(calls), 'grader.checks' in sys.modules, 'grader.grading.engine' in sys.modules)",
        "%kata hint part1",
        "%kata show part2",
        "%kata list",
        "%kata source part2",
        "%kata grade nosuchkata",
    ])
    execute(nb, tmp_path)
    cells = nb.cells
    green = report_of(cells[4])
    assert "PASSED" in green["text/plain"] and "7/7" in green["text/plain"]
    assert "kata-report" in green["text/html"] and "<body" not in green["text/html"]
    red = report_of(cells[6])["text/plain"]
    assert "FAILED" in red and "Missing 1/B" in red and "%kata hint part1" in red
    loop = report_of(cells[8])["text/plain"]
    assert "part3" in loop and "FAILED" in loop and "1 s" in loop
    assert outputs(cells[9]).strip() == "alive 1 False False"   # only the learner's own call: the grade ran nothing here
    assert "hint 1 of" in outputs(cells[10])
    assert "Linear layer: forward and backward" in outputs(cells[11])
    assert "part2" in outputs(cells[12]) and "passed" in outputs(cells[12])
    graded = outputs(cells[13])
    assert "def linear_forward" in graded and "calls = []" in graded and "!echo" not in graded
    assert "no kata named 'nosuchkata'" in outputs(cells[14])
    state = json.loads((tmp_path / "kata-workspace" / ".kata-workspace.json").read_text())
    assert state["katas"]["part2"]["status"] == "passed" and state["katas"]["part1"]["hints_seen"] == 1


def test_the_core_question_from_load_ext_to_a_green_part5(tmp_path):
    """The notebook `kata init --notebook --core` writes, with each stub cell filled in by
    the learner (here, with the reference), grades all five parts green."""
    from click.testing import CliRunner

    from grader.cli import main

    ws = tmp_path / "ws"
    result = CliRunner().invoke(main, ["init", "--notebook", "--core", str(ws)])
    assert result.exit_code == 0, result.output
    nb = nbformat.read(ws / "core_question.ipynb", as_version=4)
    grade_cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.startswith("%kata grade "):
            kata = cell.source.split()[-1]
            nb.cells[i - 1].source = source_of(kata)   # the stub cell just above it
            grade_cells.append((kata, i))
    assert [k for k, _ in grade_cells] == ["part1", "part2", "part3", "part4", "part5"]
    execute(nb, ws, timeout=300)
    for kata, i in grade_cells:
        text = report_of(nb.cells[i])["text/plain"]
        assert f"{kata} " in text and "PASSED" in text, text
    state = json.loads((ws / ".kata-workspace.json").read_text())
    assert all(state["katas"][k]["status"] == "passed" for k, _ in grade_cells)


def write_notebook(path: Path, cells) -> Path:
    nbformat.write(make(cells), path)
    return path


def kata(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "KATA_WORKSPACE"}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def test_the_cli_grades_a_notebook_with_magics_and_shell_lines(tmp_path):
    notebook = write_notebook(tmp_path / "work.ipynb", [
        "%load_ext grader\n!pip install nothing-at-all\n%matplotlib inline",
        "import numpy as np, torch\nfiles = !ls\nnp.sum?",
        new_markdown_cell("# my notes"),
        "%%bash\nexit 1",
        source_of("part2").replace("\nimport numpy as np\n", "\nimport numpy as np\n%time t = 1\n"),
        "print(linear_forward)\n%kata grade part2",
        source_of("part3", "mask_from_h_ge_0.py"),
    ])
    passed = kata("grade", "part2", "--notebook", notebook, cwd=tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASSED" in passed.stdout and "Uses NumPy only" in passed.stdout   # torch's import left out
    failed = kata("grade", "part2", "part3", "-w", notebook, "--format", "json", cwd=tmp_path)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert [k["status"] for k in report["katas"]] == ["passed", "failed"]
    assert report["katas"][0]["learner_file"] == "work.ipynb"
    missing = kata("grade", "part5", "--notebook", notebook, cwd=tmp_path)
    assert missing.returncode == 1 and "no function" in missing.stdout
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    unreadable = kata("grade", "part2", "--notebook", broken, cwd=tmp_path)
    assert unreadable.returncode == 1 and "not a notebook nbformat can read" in unreadable.stdout


def test_a_notebook_workspace_grades_without_any_py_file(tmp_path):
    ws = tmp_path / "ws"
    made = kata("init", "--notebook", ws)
    assert made.returncode == 0, made.stderr
    names = sorted(p.name for p in ws.glob("*.ipynb"))
    assert names == sorted(Path(k.learner_file).stem + ".ipynb" for k in CATALOG) and not list(ws.glob("*.py"))
    for name in names:
        nb = nbformat.read(ws / name, as_version=4)
        nbformat.validate(nb)
        assert nb.cells[-1].source.startswith("%kata grade ") and nb.cells[1].source == "%load_ext grader"
    stub = kata("grade", "part3", "-w", ws)
    assert stub.returncode == 1 and "NOT IMPLEMENTED" in stub.stdout and "part3_relu_backward.ipynb" in stub.stdout
    nb = nbformat.read(ws / "part3_relu_backward.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[1].source = source_of("part3")
    nbformat.write(nb, ws / "part3_relu_backward.ipynb")
    assert kata("grade", "part3", "-w", ws).returncode == 0
    again = kata("init", "--notebook", ws)
    assert "kept your existing" in again.stdout
    assert "part3_relu_backward.ipynb" in kata("init", "--notebook", "--force", ws).stdout
    assert list((ws / ".kata-backups").glob("*/part3_relu_backward.ipynb"))


def test_the_colab_notebook_starts_with_a_plain_pip_install(tmp_path):
    made = kata("init", "--notebook", "--core", "--colab", tmp_path / "c")
    assert made.returncode == 0, made.stderr
    nb = nbformat.read(tmp_path / "c" / "core_question.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "code" and nb.cells[0].source == '%pip install "backprop-katas[notebook]"'
    assert nb.metadata["kernelspec"]["name"] == "python3" and "colab" in nb.metadata
    shipped = ROOT / "notebooks" / "core_question_colab.ipynb"
    assert shipped.read_text(encoding="utf-8") == (tmp_path / "c" / "core_question.ipynb").read_text(
        encoding="utf-8"), "regenerate notebooks/core_question_colab.ipynb with tools/notebooks.py"


def test_grade_class_grades_notebook_submissions(tmp_path):
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "carol").mkdir()
    write_notebook(subs / "alice" / "homework.ipynb", ["%load_ext grader", source_of("part2"), "%kata grade part2"])
    write_notebook(subs / "bob.ipynb", ["!pip list", source_of("part2", "divides_by_b.py")])
    shutil.copyfile(CATALOG.get("part3").reference_path, subs / "carol" / "part3_relu_backward.py")
    write_notebook(subs / "carol" / "part2_linear_backward.ipynb", [source_of("part2")])
    out = tmp_path / "grades"
    done = kata("grade-class", subs, "-o", out, "-k", "part2", "-k", "part3", "-j", "2")
    assert done.returncode == 0, done.stderr
    rows = {line.split(",")[0]: line.split(",") for line in (out / "gradebook.csv").read_text().splitlines()[1:]}
    assert set(rows) == {"alice/homework.ipynb", "bob.ipynb", "carol"}
    assert rows["alice/homework.ipynb"][1] == "10" and rows["carol"][1:3] == ["10", "10"]
    assert float(rows["bob.ipynb"][1]) < 10
    record = json.loads(next((out / "results").glob("alice*.json")).read_text())
    assert record["kind"] == "notebook" and record["missing"] == ["part3"]
    rerun = kata("grade-class", subs, "-o", out, "-k", "part2", "-k", "part3")
    assert "0 graded now, 3 already graded" in rerun.stderr + rerun.stdout
