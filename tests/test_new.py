"""`kata new`: a scaffold that is a complete kata once its author fills in the
reference and the checks, and until then a `kata validate` that says what is missing.

The end-to-end test writes a sigmoid kata into a pack in tmp_path, the way an
author would, and proves `kata validate` passes with no file under grader/ changed.
"""
from __future__ import annotations

import ast
import hashlib
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.curriculum import loading
from grader.curriculum.catalog import Catalog
from grader.curriculum.paths import BUILTIN_ROOT as PACKAGE_ROOT
from grader.cli import main
from grader.grading.engine import stubbed_functions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TITLE = 'Sigmoid: "forward" and backward'


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.delenv("KATA_WORKSPACE", raising=False)
    monkeypatch.delenv("KATA_PATH", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return invoke


def new_sigmoid(run, pack: Path, *extra):
    result = run("new", "sigmoid", "--title", TITLE, "--katas", pack, *extra)
    assert result.exit_code == 0, result.output
    return result


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def write(path: Path, source: str) -> None:
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")


def test_new_scaffolds_every_part_of_a_kata(run, tmp_path):
    pack = tmp_path / "pack"
    out = new_sigmoid(run, pack, "--part", "Activations", "--order", "7").output
    kata_dir = pack / "katas" / "sigmoid"
    assert "kata validate sigmoid --katas" in out and "TODO(author)" in out
    for rel in ("kata.toml", "instructions.md", "sigmoid.py", "checks.py", "mistakes/imports_torch.py",
                "mistakes/README.md", "variants/README.md"):
        assert (kata_dir / rel).is_file(), rel
    kata = Catalog.discover([pack], entry_points=False).get("sigmoid")
    assert (kata.title, kata.interview_part, kata.order, kata.points) == (TITLE, "Activations", 7, 10.0)
    assert kata.source == str(pack.resolve()) and kata.framework == "numpy"
    assert kata.functions == ["sigmoid_forward", "sigmoid_backward"] and kata.learner_file == "sigmoid.py"
    assert len(kata.hints) == 3 and all(h.diagnoses for h in kata.hints)
    # The stub raises NotImplementedError in every function; so does the reference, marked for the author.
    assert stubbed_functions(kata.stub_path.read_text(), kata.functions) == kata.functions
    assert stubbed_functions(kata.reference_path.read_text(), kata.functions) == kata.functions
    assert "TODO(author)" in kata.reference_path.read_text()
    # The checks are built from the check library and cover every kind of check.
    checks = (kata_dir / "checks.py").read_text()
    for helper in ("expect_array", "expect_close", "expect_batch_scaling", "expect_finite_differences",
                   "expect_finite", "expect_repeatable", "ctx.call"):
        assert helper in checks, helper
    assert [c.name for c in loading.checks(kata)] == ["shapes", "forward", "backward", "no-batch-factor",
                                             "finite-differences", "stability", "repeatable"]
    assert "TODO(author)" in checks


def test_fresh_scaffold_fails_validate_saying_what_is_missing(run, tmp_path):
    pack = tmp_path / "pack"
    new_sigmoid(run, pack)
    result = run("validate", "--katas", pack)
    assert result.exit_code == 1
    out = result.output
    assert f"the reference is not written yet: fill in {pack.resolve() / 'solutions' / 'sigmoid.py'}" in out
    assert "no mistake fails shapes, forward, backward, no-batch-factor, finite-differences, stability, " \
           "repeatable: add one to sigmoid/mistakes/" in out
    assert "variants          none yet" in out
    assert "GRADER BUG" not in out
    lines = {line.split()[2]: line for line in out.splitlines() if line.startswith(("ok", "FAIL"))}
    assert lines["stub"].startswith("ok") and "not implemented" in lines["stub"]
    assert lines["mistake"].startswith("ok") and "fails numpy-only → framework-import" in lines["mistake"]
    assert "part1" not in out  # --katas without a kata name validates that pack only


def fill_in_sigmoid(pack: Path) -> None:
    """What an author writes after `kata new`: the reference, a choice in the checks,
    two mistakes (with the shipped imports_torch.py, every check is covered) and a variant."""
    kata_dir = pack / "katas" / "sigmoid"
    write(pack / "solutions" / "sigmoid.py", '''
        """Reference for sigmoid: Y = 1 / (1 + exp(-X)), dX = dY * Y * (1 - Y), all [B, n]."""
        import numpy as np


        def sigmoid_forward(X):
            # 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2, which cannot overflow.
            return 0.5 * (1.0 + np.tanh(0.5 * X))


        def sigmoid_backward(dY, X):
            s = sigmoid_forward(X)
            return dY * s * (1.0 - s)
        ''')
    checks = kata_dir / "checks.py"
    text = checks.read_text().replace("LARGE = 1e3", "LARGE = 2e3")
    checks.write_text("\n".join(line for line in text.splitlines() if "TODO(author)" not in line) + "\n")
    write(kata_dir / "mistakes" / "writes_into_inputs.py", '''
        """Both functions reuse their inputs' memory."""
        import numpy as np

        KATA_EXPECT = {"fails": ["shapes", "forward", "backward", "no-batch-factor", "finite-differences",
                                 "stability", "repeatable"], "diagnoses": ["input-mutated"]}


        def sigmoid_forward(X):
            np.negative(X, out=X)  # MISTAKE: overwrites the caller's X
            return 1.0 / (1.0 + np.exp(X))


        def sigmoid_backward(dY, X):
            s = 0.5 * (1.0 + np.tanh(0.5 * X))
            dY *= s * (1.0 - s)  # MISTAKE: overwrites the caller's dY
            return dY
        ''')
    write(kata_dir / "mistakes" / "backward_overflows.py", '''
        """The derivative as exp(-x) / (1 + exp(-x))**2: inf / inf = NaN once x << 0."""
        import numpy as np

        KATA_EXPECT = {"fails": ["stability"], "diagnoses": ["non-finite"]}


        def sigmoid_forward(X):
            return 0.5 * (1.0 + np.tanh(0.5 * X))


        def sigmoid_backward(dY, X):
            e = np.exp(-X)
            return dY * e / (1.0 + e) ** 2  # MISTAKE
        ''')
    write(kata_dir / "variants" / "exp_of_minus_abs.py", '''
        """Sigmoid from exp(-|x|), which never overflows."""
        import numpy as np

        KATA_EXPECT = {"passes": True}


        def sigmoid_forward(X):
            e = np.exp(-np.abs(X))
            return np.where(X >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


        def sigmoid_backward(dY, X):
            s = sigmoid_forward(X)
            return dY * s * (1.0 - s)
        ''')


def test_filled_in_scaffold_passes_validate_with_no_engine_edits(run, tmp_path):
    before = snapshot(PACKAGE_ROOT / "grader"), snapshot(PACKAGE_ROOT / "katas"), snapshot(PACKAGE_ROOT / "solutions")
    pack = tmp_path / "pack"
    new_sigmoid(run, pack)
    fill_in_sigmoid(pack)
    result = run("validate", "sigmoid", "--katas", pack, "--seeds", "2", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "all 8 checks covered" in result.output and "the katas are valid" in result.output
    assert "TODO(author) left in instructions.md (1), kata.toml (7), sigmoid.py (2)" in result.output
    after = snapshot(PACKAGE_ROOT / "grader"), snapshot(PACKAGE_ROOT / "katas"), snapshot(PACKAGE_ROOT / "solutions")
    assert after == before
    # A learner gets it like any other kata.
    ws = tmp_path / "ws"
    assert run("--katas", pack, "init", ws).exit_code == 0
    assert (ws / "sigmoid.py").read_text() == (pack / "katas" / "sigmoid" / "sigmoid.py").read_text()


def test_new_refuses_names_in_use_and_never_overwrites(run, tmp_path):
    pack = tmp_path / "pack"
    for args, message in ((["part2"], "the id 'part2' is already used"),
                          (["act", "--alias", "linear-backward"], "the alias 'linear-backward' is already used"),
                          (["act", "--learner-file", "part1_softmax_ce.py"], "already used by part1")):
        result = run("new", *args, "--title", "T", "--katas", pack)
        assert result.exit_code == 2 and message in result.output, result.output
    assert not pack.exists()
    new_sigmoid(run, pack)
    files = snapshot(pack)
    again = run("new", "sigmoid", "--title", "Other", "--katas", pack)
    assert again.exit_code == 2 and "the id 'sigmoid' is already used" in again.output
    # A leftover reference with the same name is never overwritten, and nothing else is written.
    (pack / "solutions" / "act.py").write_text("# mine\n")
    result = run("new", "act", "--title", "T", "--katas", pack)
    assert result.exit_code == 2 and "act.py already exist" in result.output
    assert not (pack / "katas" / "act").exists() and (pack / "solutions" / "act.py").read_text() == "# mine\n"
    assert snapshot(pack) == {**files, "solutions/act.py": snapshot(pack)["solutions/act.py"]}


@pytest.mark.parametrize("args, message", [
    (["Part 6"], "must be lower-case letters"),
    (["act", "--alias", "Bad Alias"], "the alias 'Bad Alias' must be"),
    (["act", "--forward", "class"], "'class' is not a valid Python function name"),
    (["act", "--forward", "f", "--backward", "f"], "need different names"),
    (["act", "--learner-file", "my-file.py"], "importable module name"),
])
def test_new_rejects_bad_names(run, tmp_path, args, message):
    result = run("new", *args, "--title", "T", "--katas", tmp_path / "pack")
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "pack").exists()


def test_new_defaults_to_the_current_folder_as_a_pack(run, tmp_path):
    result = run("new", "act", "--title", "Activation", "--alias", "my-act")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "katas" / "act" / "act_my_act.py").is_file()
    assert (tmp_path / "solutions" / "act_my_act.py").is_file()
    kata = Catalog.discover([tmp_path], entry_points=False).get("my-act")
    assert kata.functions == ["my_act_forward", "my_act_backward"] and kata.order == 1
    # The next kata in the same pack comes after it.
    assert run("new", "act2", "--title", "Another").exit_code == 0
    assert Catalog.discover([tmp_path], entry_points=False).get("act2").order == 2


def test_new_refuses_to_write_into_a_workspace(run, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    assert run("init", ws).exit_code == 0
    monkeypatch.chdir(ws)
    result = run("new", "act", "--title", "T")
    assert result.exit_code == 2 and "is a learner's workspace, not a kata pack" in result.output
    assert not (ws / "katas").exists()


def test_odd_titles_render_to_valid_toml_and_python(tmp_path):
    from grader.authoring.scaffold import NewKata, plan

    title = 'A "quoted" \\ back\\slash title with """ triple quotes and ü'
    files = plan(NewKata("odd", title))
    meta = tomllib.loads(files["katas/odd/kata.toml"])
    assert meta["title"] == title and meta["functions"] == ["odd_forward", "odd_backward"]
    for rel, text in files.items():
        if rel.endswith(".py"):
            tree = ast.parse(text)
            if rel.startswith("solutions/") or rel.endswith("odd.py"):
                assert title in ast.get_docstring(tree)


def test_torch_scaffold_says_which_checks_helpers_to_write(run, tmp_path):
    pack = tmp_path / "pack"
    result = run("new", "tanh", "--title", "Tanh with autograd", "--framework", "torch", "--katas", pack)
    assert result.exit_code == 0, result.output
    kata = Catalog.discover([pack], entry_points=False).get("tanh")
    assert kata.framework == "torch" and not (kata.folder / "mistakes" / "imports_torch.py").exists()
    assert "import torch" in kata.stub_path.read_text() and "import torch" in kata.reference_path.read_text()
    write(kata.reference_path, '''
        import numpy as np


        def tanh_forward(X):
            return np.tanh(X)


        def tanh_backward(dY, X):
            return dY * (1.0 - np.tanh(X) ** 2)
        ''')
    result = run("validate", "tanh", "--katas", pack)
    assert result.exit_code == 1
    assert "unfinished: TODO(author): compute the expected Y in NumPy in checks.py (expected_forward)" \
        in result.output
    assert "GRADER BUG" not in result.output


def test_new_in_the_repository_root_adds_a_built_in_kata(run, tmp_path, monkeypatch):
    """How the built-in katas grow: `kata new` run in the repository root (here a copy of it)."""
    import shutil

    from grader.curriculum import catalog as catalog_module
    from grader.curriculum import packs, paths

    repo = tmp_path / "repo"
    for folder in ("katas", "solutions"):
        shutil.copytree(PACKAGE_ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "BUILTIN_ROOT", repo)
    monkeypatch.setattr(catalog_module, "BUILTIN_KATAS", repo / "katas")
    monkeypatch.setattr(catalog_module, "BUILTIN_SOLUTIONS", repo / "solutions")
    monkeypatch.setattr(packs, "BUILTIN_ROOT", repo)
    monkeypatch.chdir(repo)
    result = run("new", "part99", "--title", "Sigmoid", "--alias", "sigmoid")
    assert result.exit_code == 0, result.output
    assert "kata validate part99    (it says" in result.output  # no --katas needed
    kata = Catalog.builtin().get("sigmoid")
    assert kata.builtin and kata.order == max(k.order for k in Catalog.builtin() if k.id != "part99") + 1
    assert kata.learner_file == "part99_sigmoid.py" and (repo / "solutions" / "part99_sigmoid.py").is_file()
    assert "sigmoid" in run("list").output
