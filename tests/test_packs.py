"""Kata packs: katas kept outside this repository, in a folder (--katas DIR,
$KATA_PATH) or in an installed package (an entry point), used exactly like the
built-in ones by `kata list`, `init`, `grade` and `validate`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.curriculum import packs
from grader.curriculum.catalog import Catalog
from grader.curriculum.kata import CatalogError
from grader.curriculum.paths import BUILTIN_ROOT as PACKAGE_ROOT
from grader.cli import main
from grader.workspace.state import read_state

PACK_FILES = {
    "katas/double/kata.toml": '''
        id = "double"
        alias = "times-two"
        order = 1
        title = "Double it"
        interview_part = "Warm-up"
        learner_file = "double_it.py"
        functions = ["double"]

        [[hints]]
        title = "Add it to itself"
        text = "2·X is X + X."
        diagnoses = ["sign-flip"]
        ''',
    "katas/double/instructions.md": "# Double it\n\nReturn 2 * X, same shape and dtype.\n",
    "katas/double/double_it.py": '''
        def double(X):
            raise NotImplementedError("double: return 2 * X")
        ''',
    "katas/double/checks.py": '''
        import numpy as np

        from grader.checks import cases
        from grader.checks import check, expect_array, expect_close


        @check("values", "double matches the reference", hint=1)
        def values(ctx):
            for dtype in cases.DTYPES:
                X = ctx.rng.standard_normal((4, 3)).astype(dtype)
                Y = expect_array(ctx, ctx.call("double", X), "Y", X.shape, dtype)
                expect_close(ctx, Y, ctx.ref.double(np.asarray(X, np.float64)), "Y", dtype)


        CHECKS = [values]
        ''',
    "katas/double/mistakes/negates.py": '''
        KATA_EXPECT = {"fails": ["values"], "diagnoses": ["sign-flip"]}


        def double(X):
            return -2 * X  # MISTAKE
        ''',
    "katas/double/mistakes/imports_torch.py": '''
        import torch  # noqa: F401

        KATA_EXPECT = {"fails": ["numpy-only"], "diagnoses": ["framework-import"]}
        ''',
    "katas/double/variants/sum_with_itself.py": '''
        KATA_EXPECT = {"passes": True}


        def double(X):
            return X + X
        ''',
    "solutions/double_it.py": '''
        def double(X):
            return 2 * X
        ''',
}


def make_pack(root: Path, rename: dict[str, str] | None = None) -> Path:
    """The pack above in `root`; `rename` replaces text in every file (e.g. the id)."""
    for rel, text in PACK_FILES.items():
        text = textwrap.dedent(text).lstrip("\n")
        for old, new in (rename or {}).items():
            text, rel = text.replace(old, new), rel.replace(old, new)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.delenv("KATA_WORKSPACE", raising=False)
    monkeypatch.delenv("KATA_PATH", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args, env=None):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)
    return invoke


@pytest.fixture
def pack(tmp_path):
    return make_pack(tmp_path / "my pack")


def table_row(output: str, kata_id: str) -> str:
    return next(line for line in output.splitlines() if line.split()[:1] == [kata_id]
                or line.split()[1:2] == [kata_id])


# -- finding packs -----------------------------------------------------------------

def test_katas_option_works_on_the_group_and_on_the_command(run, pack):
    plain = run("list")
    assert "double" not in plain.output and "from" not in plain.output  # the common case is unchanged
    for args in (["--katas", pack, "list"], ["list", "--katas", pack]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert table_row(result.output, "double").rstrip().endswith(str(pack.resolve()))
        assert table_row(result.output, "part1").rstrip().endswith("built-in")
    ids = [line.split()[0] for line in run("list", "--katas", pack).output.splitlines()[1:] if line.strip()]
    builtin = [k.id for k in Catalog.builtin()]
    assert ids[:len(builtin) + 1] == builtin + ["double"]  # built-in katas first


def test_kata_path_lists_packs_in_order_and_a_folder_once(run, tmp_path, pack):
    second = make_pack(tmp_path / "second", {"double": "triple", "times-two": "times-three"})
    env = {"KATA_PATH": os.pathsep.join([str(second), "", str(pack)])}
    result = run("list", env=env)
    assert result.exit_code == 0, result.output
    assert result.output.index("triple") < result.output.index("double")
    # The same folder from --katas and from KATA_PATH is one pack, not a clash.
    again = run("--katas", pack, "list", "--katas", pack, env=env)
    assert again.exit_code == 0, again.output
    # So is this repository itself.
    assert run("list", "--katas", PACKAGE_ROOT).exit_code == 0


def test_show_and_grade_a_pack_kata(run, pack):
    shown = run("show", "times-two", "--katas", pack)
    assert shown.exit_code == 0 and f"from {pack.resolve()}" in shown.output and "Return 2 * X" in shown.output
    graded = run("grade", "double", "--reference", "--katas", pack, "--seed", "3")
    assert graded.exit_code == 0, graded.output
    assert "1 of 1 katas passed" in graded.output
    as_json = json.loads(run("grade", "double", "--reference", "--katas", pack, "--format", "json").output)
    assert as_json["katas"][0]["source"] == str(pack.resolve())


def test_validate_checks_the_pack_katas(run, pack):
    result = run("validate", "--katas", pack, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "double" in result.output and "part1" not in result.output  # the pack's katas only
    assert "6 of 6 rows ok" in result.output
    broken = pack / "katas" / "double" / "mistakes" / "negates.py"
    broken.write_text(broken.read_text().replace("-2 * X", "2 * X"))
    failed = run("validate", "double", "--katas", pack)
    assert failed.exit_code == 1 and "FAIL  double  mistake    negates.py" in failed.output


# -- workspaces ----------------------------------------------------------------------

def test_init_copies_pack_stubs_and_the_workspace_remembers_the_pack(run, tmp_path, pack, monkeypatch):
    ws = tmp_path / "ws"
    result = run("--katas", pack, "init", ws)
    assert result.exit_code == 0, result.output
    assert "double_it.py" in result.output and str(pack.resolve()) in result.output
    assert (ws / "double_it.py").read_text() == (pack / "katas" / "double" / "double_it.py").read_text()
    assert read_state(ws)["packs"] == [str(pack.resolve())]
    monkeypatch.chdir(ws)  # later commands in the workspace need no --katas
    assert "double" in run("list").output
    (ws / "double_it.py").write_text("def double(X):\n    return X * 2\n")
    graded = run("grade", "double", "--seed", "1")
    assert graded.exit_code == 0, graded.output
    assert "passed" in table_row(run("list").output, "double")
    assert run("hint", "times-two").exit_code == 0
    # Re-running init keeps the recorded pack (and copies nothing new).
    assert run("init", ws).exit_code == 0 and read_state(ws)["packs"] == [str(pack.resolve())]


def test_a_moved_pack_is_a_warning_in_its_workspace(run, tmp_path, pack, monkeypatch):
    ws = tmp_path / "ws"
    assert run("init", ws, "--katas", pack).exit_code == 0
    pack.rename(tmp_path / "moved")
    monkeypatch.chdir(ws)
    result = run("list")
    assert result.exit_code == 0 and "double" not in result.output.split("workspace:")[0]
    assert "does not exist" in result.output and "pass --katas with its new place" in result.output
    assert "double" in run("list", "--katas", tmp_path / "moved").output


# -- clear errors -----------------------------------------------------------------

@pytest.mark.parametrize("rename, message", [
    ({'id = "double"': 'id = "part2"'}, "kata name 'part2' is used by both"),
    ({'alias = "times-two"': 'alias = "softmax-ce"'}, "kata name 'softmax-ce' is used by both"),
    ({"double_it": "part3_relu_backward"}, "learner file 'part3_relu_backward.py' is used by both"),
])
def test_clashes_with_the_built_in_katas_name_both_folders(run, tmp_path, rename, message):
    pack = make_pack(tmp_path / "clash", rename)
    result = run("list", "--katas", pack)
    assert result.exit_code == 2
    assert message in result.output and "(built-in)" in result.output
    assert str(pack.resolve() / "katas" / "double") in result.output


def test_clash_between_two_packs(run, tmp_path, pack):
    other = make_pack(tmp_path / "other", {"double_it": "double_again"})
    result = run("list", "--katas", pack, "--katas", other)
    assert result.exit_code == 2 and "kata name 'double' is used by both" in result.output
    assert str(pack.resolve()) in result.output and str(other.resolve()) in result.output


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('title = "Double it"', 'title = "Double it'), "kata.toml: "),
    (lambda t: t.replace('functions = ["double"]', ''), "kata.toml: missing keys functions"),
    (lambda t: t.replace('functions = ["double"]', 'functions = "double"'), "functions must be a non-empty list"),
    (lambda t: t.replace('order = 1', 'order = "first"'), "order must be a number"),
    (lambda t: t.replace('double_it.py', 'double it.py'), "learner_file must be a Python module file name"),
])
def test_a_broken_kata_toml_names_the_file(run, pack, edit, message):
    meta = pack / "katas" / "double" / "kata.toml"
    meta.write_text(edit(meta.read_text()))
    result = run("list", "--katas", pack)
    assert result.exit_code == 2 and message in result.output and str(meta.resolve()) in result.output


def test_a_folder_that_is_not_a_pack_says_what_a_pack_is(run, tmp_path, pack):
    result = run("list", "--katas", tmp_path / "missing")
    assert result.exit_code == 2 and "does not exist" in result.output
    result = run("list", "--katas", pack / "katas")
    assert result.exit_code == 2 and f"pass its parent, {pack.resolve()}" in result.output
    result = run("list", "--katas", pack / "katas" / "double")
    assert result.exit_code == 2 and "a single kata's folder" in result.output
    result = run("list", env={"KATA_PATH": str(tmp_path)})
    assert result.exit_code == 2 and "(from KATA_PATH) is not a kata pack" in result.output


# -- entry points --------------------------------------------------------------------

class FakeDist:
    name, version = "course-katas", "1.2"


class FakeEntryPoint:
    def __init__(self, name, value, loaded, module="course_katas"):
        self.name, self.value, self._loaded, self.module, self.dist = name, value, loaded, module, FakeDist()

    def load(self):
        if isinstance(self._loaded, Exception):
            raise self._loaded
        return self._loaded


def fake_entry_points(monkeypatch, *eps):
    import importlib.metadata

    monkeypatch.setattr(packs, "_may_declare_entry_points", lambda: True)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: list(eps) if group == packs.ENTRY_POINT_GROUP
                        else [])


def test_an_entry_point_may_load_a_path_a_module_or_a_callable(monkeypatch, tmp_path):
    import types

    first, second, third = (make_pack(tmp_path / n, {"double": n, "times-two": f"alias-{n}"}) for n in "abc")
    module = types.ModuleType("course_katas")
    module.__file__ = str(second / "__init__.py")
    fake_entry_points(monkeypatch, FakeEntryPoint("one", "x:PATH", str(first)),
                      FakeEntryPoint("two", "course_katas", module),
                      FakeEntryPoint("three", "x:pack", lambda: third))
    catalog = Catalog.discover()
    assert [k.id for k in catalog][-3:] == ["a", "c", "b"]  # by entry point name: one, three, two
    assert catalog.get("b").source == "entry point two (course-katas 1.2)"
    assert catalog.get("c").reference_path == third.resolve() / "solutions" / "c_it.py"


def test_a_relative_entry_point_path_is_taken_from_its_module(monkeypatch, tmp_path):
    import types

    make_pack(tmp_path / "pkg" / "data")
    module = types.ModuleType("course_katas")
    module.__file__ = str(tmp_path / "pkg" / "__init__.py")
    monkeypatch.setitem(sys.modules, "course_katas", module)
    fake_entry_points(monkeypatch, FakeEntryPoint("rel", "course_katas:PACK", "data"))
    assert Catalog.discover().get("double").folder == (tmp_path / "pkg" / "data" / "katas" / "double").resolve()


@pytest.mark.parametrize("loaded, message", [
    (ImportError("No module named 'course_katas'"), "cannot be loaded: ImportError: No module named"),
    (42, "cannot be loaded: TypeError: it loaded a int"),
])
def test_a_broken_entry_point_is_a_clear_error(monkeypatch, run, loaded, message):
    fake_entry_points(monkeypatch, FakeEntryPoint("bad", "course_katas:PACK", loaded))
    with pytest.raises(CatalogError, match="entry point bad \\(course-katas 1.2\\)"):
        Catalog.discover()
    result = run("list")
    assert result.exit_code == 2 and message in result.output


def test_the_quick_scan_finds_declared_entry_points_only(monkeypatch, tmp_path):
    """Without a pack installed, importlib.metadata (~40 ms to import) is never needed."""
    site = tmp_path / "site"
    (site / "other-1.0.dist-info").mkdir(parents=True)
    (site / "other-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "missing")])
    assert packs._may_declare_entry_points() is False and packs.entry_point_packs() == []
    (site / "course-1.0.dist-info").mkdir()
    (site / "course-1.0.dist-info" / "entry_points.txt").write_text("[backprop_katas.packs]\ncourse = course\n")
    assert packs._may_declare_entry_points() is True


def test_a_pack_installed_as_a_package_is_found_and_used(tmp_path):
    """A real `pip install` of a package declaring the entry point (no network: no build
    isolation, no dependencies), then `kata` in a fresh process."""
    project = tmp_path / "project"
    make_pack(project / "course_katas")
    (project / "course_katas" / "__init__.py").write_text('"""A kata pack: this folder holds katas/ and solutions/."""\n')
    (project / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "course-katas"
        version = "1.2"

        [project.entry-points."backprop_katas.packs"]
        course = "course_katas"

        [tool.setuptools]
        packages = ["course_katas"]

        [tool.setuptools.package-data]
        course_katas = ["katas/*/*", "katas/*/*/*", "solutions/*"]
        '''))
    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                              "--no-build-isolation", "--target", str(site), str(project)],
                             capture_output=True, text=True, cwd=tmp_path)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("KATA_PATH", None)
    env.pop("KATA_WORKSPACE", None)

    def kata(*args, cwd=tmp_path):
        return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True,
                              env=env, cwd=cwd)

    listed = kata("list")
    assert listed.returncode == 0, listed.stderr
    assert "entry point course (course-katas 1.2)" in table_row(listed.stdout, "double")
    validated = kata("validate", "double", "--jobs", "2")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert str(site / "course_katas" / "katas" / "double") not in validated.stdout  # rows name files, not paths
    ws = tmp_path / "ws"
    assert kata("init", ws).returncode == 0
    assert (ws / "double_it.py").is_file() and "packs" not in read_state(ws)  # found anyway: not recorded
    (ws / "double_it.py").write_text("def double(X):\n    return X + X\n")
    graded = kata("grade", "times-two", "--seed", "5", cwd=ws)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    # Without the package, the kata is gone again.
    env["PYTHONPATH"] = ""
    assert "double" not in kata("list").stdout
