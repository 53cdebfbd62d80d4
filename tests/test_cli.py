"""The `kata` command line: init, list, hint, grade, exit codes and JSON."""
import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.curriculum.catalog import Catalog
from grader.cli import main
from grader.workspace.state import STATE_FILE
from grader.workspace.backups import BACKUP_DIR

CATALOG = Catalog.builtin()


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.delenv("KATA_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return invoke


@pytest.fixture
def workspace(run, tmp_path):
    ws = tmp_path / "ws"
    assert run("init", ws).exit_code == 0
    return ws


def solve(ws, *kata_ids):
    for kata_id in kata_ids:
        kata = CATALOG.get(kata_id)
        shutil.copyfile(kata.reference_path, ws / kata.learner_file)


def test_version_and_help(run):
    assert run("--version").output.strip().endswith("0.1.0")
    for command in ([], ["grade"], ["init"], ["list"], ["hint"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_python_dash_m_grader_works():
    out = subprocess.run([sys.executable, "-m", "grader", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "kata grade" in out.stdout


def test_init_creates_stubs_and_state(run, tmp_path):
    result = run("init")
    ws = tmp_path / "kata-workspace"
    assert result.exit_code == 0
    for kata in CATALOG:
        assert (ws / kata.learner_file).read_bytes() == kata.stub_path.read_bytes()
    assert json.loads((ws / STATE_FILE).read_text())["katas"] == {}


def test_init_never_overwrites_without_force(run, workspace):
    learner = workspace / "part1_softmax_ce.py"
    learner.write_text("# my work\n")
    result = run("init", workspace)
    assert result.exit_code == 0
    assert "kept your existing" in result.output and "part1_softmax_ce.py" in result.output
    assert learner.read_text() == "# my work\n"


def test_init_force_keeps_a_backup(run, workspace):
    learner = workspace / "part1_softmax_ce.py"
    learner.write_text("# my work\n")
    result = run("init", workspace, "--force")
    assert result.exit_code == 0 and "previous versions are in" in result.output
    backups = list((workspace / BACKUP_DIR).glob("*/part1_softmax_ce.py"))
    assert [b.read_text() for b in backups] == ["# my work\n"]
    assert learner.read_bytes() == CATALOG.get("part1").stub_path.read_bytes()


def test_grade_without_workspace_exits_2_and_says_how_to_make_one(run):
    result = run("grade", "part1")
    assert result.exit_code == 2
    assert "kata init" in result.output


def test_grade_usage_errors_exit_2(run, workspace):
    assert run("grade", "-w", workspace).exit_code == 2            # nothing named
    result = run("grade", "part9", "-w", workspace)
    assert result.exit_code == 2 and "no kata named 'part9'" in result.output
    assert run("grade", "part1", "--format", "pdf", "-w", workspace).exit_code == 2
    assert run("grade", "part1", "-w", workspace.parent / "nowhere").exit_code == 2


def test_fresh_workspace_fails_every_kata_with_not_implemented(run, workspace):
    result = run("grade", "--all", "-w", workspace, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [k["status"] for k in report["katas"]] == ["not-implemented"] * len(CATALOG)
    text = run("grade", "--all", "-w", workspace).output
    assert text.count("not implemented yet") == len(CATALOG)


def test_reference_grades_green_with_exit_0(run):
    result = run("grade", "--all", "--reference", "--seed", "11")
    assert result.exit_code == 0, result.output
    assert f"{len(CATALOG)} of {len(CATALOG)} katas passed" in result.output


def test_json_schema(run):
    result = run("grade", "softmax-ce", "linear-backward", "--reference", "--format", "json", "--seed", "3")
    report = json.loads(result.output)
    assert report["version"] == 1 and report["seed"] == 3 and report["passed"] is True
    assert [k["id"] for k in report["katas"]] == ["part1", "part2"]  # aliases resolve to ids
    for kata in report["katas"]:
        assert kata["passed"] is True and kata["source"] == "built-in"
        for check in kata["checks"]:
            assert set(check) >= {"name", "title", "status", "message", "details", "call", "seed", "hint",
                                  "diagnoses"}
            assert check["status"] in {"pass", "fail", "warn", "error"}


def test_grade_finds_workspace_from_env_and_from_a_subfolder(run, workspace, monkeypatch):
    solve(workspace, "part2")
    monkeypatch.setenv("KATA_WORKSPACE", str(workspace))
    assert run("grade", "part2").exit_code == 0
    monkeypatch.delenv("KATA_WORKSPACE")
    sub = workspace / "notes" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert run("grade", "part2").exit_code == 0


def test_a_failing_kata_exits_1_with_a_reproducer(run, workspace):
    (workspace / "part2_linear_backward.py").write_text(
        "def linear_forward(A, W, b):\n    return A @ W + b\n\n"
        "def linear_backward(dZ, A, W):\n    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0, keepdims=True)\n")
    result = run("grade", "part2", "-w", workspace, "--seed", "99")
    assert result.exit_code == 1
    assert "db has shape (1, 3), expected (3,)" in result.output
    assert "kata repro part2 --seed 99" in result.output


def test_output_file_html_is_self_contained(run, workspace, tmp_path):
    out = tmp_path / "report.html"
    result = run("grade", "part1", "-w", workspace, "--format", "html", "--output", out)
    assert result.exit_code == 1
    html = out.read_text()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "http://" not in html and "https://" not in html
    assert "not implemented" in html.lower()


def test_list_shows_progress(run, workspace):
    solve(workspace, "part1")
    (workspace / "part2_linear_backward.py").write_text(
        "def linear_forward(A, W, b):\n    return A @ W + b\n\n"
        "def linear_backward(dZ, A, W):\n    return dZ @ W.T, A.T @ dZ, -dZ.sum(axis=0)\n")
    run("grade", "part1", "part2", "part3", "-w", workspace)
    lines = run("list", "-w", workspace).output.splitlines()
    status = {}  # rows: an optional mark (✓ passed, → next), then id, alias, status, ...
    for line in lines:
        for token in line.split()[:2]:
            if token in {k.id for k in CATALOG} and not line.startswith("next"):
                status[token] = line
    assert status["part1"].split()[0] == "✓" and " passed " in status["part1"]
    assert "failing" in status["part2"] and "checks" in status["part2"]
    assert "not implemented yet" in status["part3"]   # graded, still the stub
    assert "not started" in status["part4"]           # never graded
    assert "next: kata grade part2" in lines[-1]


def test_hint_shows_the_next_level_and_remembers(run, workspace):
    first = run("hint", "part2", "-w", workspace).output
    second = run("hint", "part2", "-w", workspace).output
    assert "hint 1 of" in first and "hint 2 of" in second
    state = json.loads((workspace / STATE_FILE).read_text())
    assert state["katas"]["part2"]["hints_seen"] == 2


def test_damaged_state_file_warns_and_recovers(run, workspace):
    (workspace / STATE_FILE).write_text("{not json")
    result = run("list", "-w", workspace)
    assert result.exit_code == 0 and "damaged" in result.output


def test_list_says_why_a_kata_could_not_run(run, workspace):
    (workspace / "part3_relu_backward.py").write_text("def relu_forward(Z)\n    return Z\n")
    assert run("grade", "part3", "-w", workspace).exit_code == 1
    lines = run("list", "-w", workspace).output.splitlines()
    row = next(i for i, line in enumerate(lines) if " part3 " in line)
    assert " stopped " in lines[row]
    assert "↳ syntax error in part3_relu_backward.py, line 1" in lines[row + 1]


def test_startup_imports_stay_light_and_the_grader_never_imports_torch():
    # `kata --help` must not pay for NumPy/Jinja2/torch, and grading part5 runs torch
    # only in the sandbox child: the grader's own process never imports it.
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import grader.cli\n"
        "heavy = [m for m in ('numpy', 'jinja2', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "result = CliRunner().invoke(grader.cli.main, ['grade', 'part5', '--reference', '--seed', '1'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'torch' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


# -- kata names: what a person types -------------------------------------------------------

@pytest.mark.parametrize("typed", ["part1", "Part1", "PART1", "part 1", "part_1", "1", "softmax-ce", "Softmax-CE",
                                   "part1_softmax_ce.py", "part1_softmax_ce", "ws/part1_softmax_ce.py",
                                   "part1_softmax_ce.ipynb"])
def test_every_unambiguous_spelling_names_the_kata(typed):
    assert CATALOG.get(typed).id == "part1"


@pytest.mark.parametrize("typed, meant", [("softmax", "part1"), ("sofmax-ce", "part1"), ("relu", "part3"),
                                          ("linear-backwards", "part2"), ("gradient-chek", "part6"),
                                          ("part4_mlp_backwards.py", "part4")])
def test_a_near_miss_is_not_guessed_but_suggested(typed, meant):
    assert CATALOG.lookup(typed) is None
    with pytest.raises(KeyError) as err:
        CATALOG.get(typed)
    message = err.value.args[0]
    assert f"no kata named {typed!r}. Did you mean {meant} (" in message
    assert [k.id for k in CATALOG.suggest(typed)][0] == meant


def test_a_name_nothing_resembles_lists_the_katas_and_several_matches_are_all_offered():
    with pytest.raises(KeyError) as err:
        CATALOG.get("zzz")
    assert "known katas:" in err.value.args[0] and all(k.id in err.value.args[0] for k in CATALOG)
    with pytest.raises(KeyError) as err:
        CATALOG.get("backward")  # in three aliases: no single one is meant
    assert "Did you mean one of" in err.value.args[0]
    assert all(k in err.value.args[0] for k in ("part2", "part3", "part4"))


def test_a_spelling_two_katas_share_resolves_to_neither():
    import dataclasses

    from grader.curriculum.catalog import Catalog as Cat

    part1 = CATALOG.get("part1")
    # A pack kata whose learner file reduces to the built-in part1's alias: `softmax-ce` still is part1
    # (exact names win), but the shared file spelling names neither.
    twin = dataclasses.replace(part1, id="pack-one", alias="pack-softmax", learner_file="softmax-ce.py",
                               source="/elsewhere", pack_index=1)
    both = Cat([part1, twin])
    assert both.get("softmax-ce") is part1
    assert both.lookup("SOFTMAX-CE") is None and both.get("pack-one") is twin


def test_commands_take_the_forgiving_names(run, workspace):
    assert run("show", "Part3").output == run("show", "part3").output
    result = run("grade", "2", "part2_linear_backward.py", "-w", workspace)  # the same kata once
    assert result.exit_code == 1 and result.output.count("part2  linear-backward") == 1
    result = run("grade", "softmax", "-w", workspace)
    assert result.exit_code == 2 and "Did you mean part1 (softmax-ce" in result.output
    assert run("hint", "relu").exit_code == 2 and "Did you mean part3" in run("hint", "relu").output


# -- init never nests a workspace; discovery from the folder above -------------------------

def test_init_inside_a_workspace_refuses_and_names_it(run, workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    for args in (("init",), ("init", "sub"), ("init", "--notebook")):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert f"inside the kata workspace {workspace}" in result.output
    assert not (workspace / "kata-workspace").exists() and not (workspace / "sub").exists()
    elsewhere = workspace.parent / "elsewhere"
    assert run("init", elsewhere).exit_code == 0      # a folder outside it is fine
    assert run("init", ".").exit_code == 0            # and so is re-running init on the workspace itself
    assert "kept your existing" in run("init", ".").output


def test_init_on_an_existing_nested_workspace_refreshes_it(run, workspace, monkeypatch):
    from grader.cli import learn

    monkeypatch.setattr(learn, "interactive", lambda: True)
    inner = workspace / "inner"
    assert CliRunner().invoke(main, ["init", str(inner)], input="y\n").exit_code == 0  # made on purpose
    (inner / "part1_softmax_ce.py").unlink()
    result = run("init", inner)                       # no question the second time: nothing new nests
    assert result.exit_code == 0 and "part1_softmax_ce.py" in result.output


@pytest.mark.parametrize("answer, created", [("y\n", True), ("n\n", False), ("", False)])
def test_init_inside_a_workspace_asks_on_a_terminal(run, workspace, monkeypatch, answer, created):
    from grader.cli import learn

    monkeypatch.setattr(learn, "interactive", lambda: True)
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(main, ["init", "nested"], input=answer)
    assert "Create a second workspace inside it anyway?" in result.output
    assert (workspace / "nested" / STATE_FILE).is_file() == created
    assert result.exit_code == (0 if created else 1)


def test_commands_find_the_workspace_from_the_folder_above(run, tmp_path):
    assert run("init").exit_code == 0                 # ./kata-workspace
    result = run("list")
    assert result.exit_code == 0 and f"workspace: {tmp_path / 'kata-workspace'}" in result.output
    assert run("grade", "part1").exit_code == 1       # found: graded (a stub), not "no workspace" (2)


def test_discovery_prefers_the_workspace_it_is_in(tmp_path):
    from grader.workspace.files import WorkspaceError, find_workspace

    outer, inner = tmp_path / "outer", tmp_path / "outer" / "kata-workspace"
    for ws in (outer, inner):
        ws.mkdir(parents=True, exist_ok=True)
        (ws / STATE_FILE).write_text("{}")
    assert find_workspace(cwd=outer) == outer         # in one: that one, not the one below it
    assert find_workspace(cwd=tmp_path / "outer" / "kata-workspace") == inner
    (tmp_path / "plain" / "kata-workspace").mkdir(parents=True)  # a folder of that name that is no workspace
    with pytest.raises(WorkspaceError):
        find_workspace(cwd=tmp_path / "plain")


# -- help ----------------------------------------------------------------------------------

def test_help_counts_the_katas_it_ships(run):
    text = run("--help").output
    assert f"one stub for each of the {len(CATALOG)} katas" in text
    assert "{katas}" not in text and "five" not in text


PROBE = """
import sys
from grader.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print("RICH", "rich" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize("args, imported", [(["--help"], False), (["show", "part1"], False),
                                            (["grade", "--help"], False)])
def test_help_and_piped_show_do_not_import_rich(args, imported):
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True)
    assert f"RICH {imported}" in out.stderr, out.stderr


def test_the_rich_probe_sees_rich_when_it_is_used():
    code = ("import io, sys\nfrom grader.cli.markdown import render\nrender('# t', io.StringIO(), 80)\n"
            "print('RICH', 'rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "RICH True" in out.stdout, out.stderr
