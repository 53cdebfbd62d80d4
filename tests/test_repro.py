"""`kata repro`: the failing case written as a script that runs on its own, and
breakpoint()/pdb in graded code skipped with one line pointing to it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.repro import REPRO_DIR, reproduce
from grader.grading.watch import snapshot
from grader.sandbox.debugger import NOTICE

ROOT = Path(__file__).resolve().parent.parent


def shipped(kata, kind: str, name: str) -> str:
    return (ROOT / "katas" / kata.id / kind / f"{name}.py").read_text(encoding="utf-8")


def solution(kata) -> str:
    return (ROOT / "solutions" / kata.learner_file).read_text(encoding="utf-8")


def run_script(ws: Path, script: Path, *python_args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The case as a learner runs it: from the workspace, in a fresh interpreter."""
    return subprocess.run([sys.executable, *python_args, str(script.relative_to(ws))], cwd=ws, input=stdin,
                          capture_output=True, text=True, timeout=120)


def written(outcome):
    assert outcome.case is not None, outcome.reason
    return outcome.case


def assert_plain(script: Path, kata) -> None:
    """No reference code and nothing of the grader: NumPy (or torch) and the learner's file only."""
    text = script.read_text(encoding="utf-8")
    for name in kata.functions:
        assert f"def {name}(" not in text
    imports = {line.split()[1].split(".")[0] for line in text.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"copy", "functools", "sys", "pathlib", "numpy", "torch", "compare_results",
                       Path(kata.learner_file).stem}
    helpers = (script.parent / "compare_results.py").read_text(encoding="utf-8")
    assert [line for line in helpers.splitlines() if line.startswith(("import ", "from "))] == ["import numpy as np"]


# -- a failing case -------------------------------------------------------------------


def test_a_missing_1_over_b_prints_the_difference(learner_workspace):
    kata, ws = learner_workspace("part4")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "no_batch_divide"), encoding="utf-8")
    outcome = reproduce(kata, ws, seed=1)
    case = written(outcome)
    assert outcome.check == "gradients" and case.function == "mlp_backward"
    assert case.folder == ws / REPRO_DIR / "part4-gradients"
    assert_plain(case.script, kata)

    done = run_script(ws, case.script)
    assert done.returncode == 0, done.stderr
    B = np.load(case.inputs)["mlp_forward.X"].shape[0]   # the batch the grader used
    for name in ("W1", "b1", "W2", "b2", "X"):
        assert f"got['{name}']: differs" in done.stdout
    assert f"yours / expected = {B}\n" in done.stdout      # every gradient B times too large
    assert "mlp_forward_result[0]: matches" in done.stdout   # the loss is right: the bug is in backward
    assert "5 of 6 parts of the result differ" in done.stdout


def test_the_script_runs_under_pdb(learner_workspace):
    kata, ws = learner_workspace("part4")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "no_batch_divide"), encoding="utf-8")
    case = written(reproduce(kata, ws, seed=5))
    done = run_script(ws, case.script, "-m", "pdb", stdin="c\nq\n")
    assert "got['W1']: differs" in done.stdout
    assert "The program finished" in done.stdout


def test_a_correct_file_has_nothing_to_reproduce_unless_a_check_is_named(learner_workspace):
    kata, ws = learner_workspace("part4")
    (ws / kata.learner_file).write_text(solution(kata), encoding="utf-8")
    outcome = reproduce(kata, ws, seed=1)
    assert outcome.nothing and outcome.case is None
    assert not (ws / REPRO_DIR).exists()

    case = written(reproduce(kata, ws, seed=1, check="gradients"))
    done = run_script(ws, case.script)
    assert done.returncode == 0, done.stderr
    assert "differs" not in done.stdout
    assert "matches: your mlp_backward returns the expected result on this case" in done.stdout


# -- backward from a cache --------------------------------------------------------------


def test_backward_reads_a_cache_rebuilt_by_the_learners_own_forward(learner_workspace):
    # A tuple cache (the reference keeps a dict): the script must build it with the
    # learner's mlp_forward, never store or invent one.
    kata, ws = learner_workspace("part4")
    (ws / kata.learner_file).write_text(shipped(kata, "variants", "tuple_cache"), encoding="utf-8")
    case = written(reproduce(kata, ws, seed=2, check="gradients"))
    text = case.script.read_text(encoding="utf-8")
    assert "mlp_forward_result = mlp_forward(X, y, params)" in text
    assert "cache = mlp_forward_result[1]" in text
    assert not any(key.startswith("mlp_backward.") for key in np.load(case.inputs).files)
    done = run_script(ws, case.script)
    assert "matches: your mlp_backward returns the expected result" in done.stdout, done.stdout + done.stderr


def test_a_backward_that_changes_its_cache_is_shown_changing_it(learner_workspace):
    kata, ws = learner_workspace("part4")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "backward_mutates_cache"), encoding="utf-8")
    outcome = reproduce(kata, ws, seed=1)
    case = written(outcome)
    assert outcome.check == "repeatable"
    done = run_script(ws, case.script)
    assert "mlp_backward changed its input cache['probs'] entry" in done.stdout
    assert "the result matches, but mlp_backward changed its inputs" in done.stdout


# -- other kinds of arguments -----------------------------------------------------------


def test_a_function_argument_is_written_out_with_its_parameters(learner_workspace):
    kata, ws = learner_workspace("part6")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "divides_by_h"), encoding="utf-8")
    case = written(reproduce(kata, ws, seed=1))
    assert case.function == "numerical_gradient"
    assert_plain(case.script, kata)
    text = case.script.read_text(encoding="utf-8")
    assert "def exp_sum(" in text and "def exp_sum_grad(" not in text   # f itself; its exact gradient stays here
    done = run_script(ws, case.script)
    assert "yours / expected = 2\n" in done.stdout   # a central difference divided by h, not 2h


def test_state_kept_between_calls_is_named(learner_workspace):
    kata, ws = learner_workspace("part2")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "accumulates_across_calls"), encoding="utf-8")
    done = run_script(ws, written(reproduce(kata, ws, seed=1)).script)
    assert "its result depends on what ran before it" in done.stdout


def test_a_torch_kata_gets_expected_values_from_its_reference(learner_workspace):
    kata, ws = learner_workspace("part5")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "double_softmax"), encoding="utf-8")
    case = written(reproduce(kata, ws, seed=1))
    assert case.compared >= 1
    assert_plain(case.script, kata)
    done = run_script(ws, case.script)
    assert done.returncode == 0, done.stderr
    assert "got: yours is" in done.stdout and "expected" in done.stdout


def test_the_case_folder_is_ignored_by_grading_and_watch(learner_workspace):
    kata, ws = learner_workspace("part2")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "db_keepdims"), encoding="utf-8")
    written(reproduce(kata, ws, seed=1))
    assert not any(REPRO_DIR in name for name in snapshot(ws))


# -- the command ----------------------------------------------------------------------------


@pytest.fixture
def kata_cli(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return invoke


def written_line(script: Path) -> int:
    return next(i for i, line in enumerate(script.read_text().splitlines(), 1) if line.startswith("got = "))


def test_cli_names_the_files_and_the_commands(kata_cli, learner_workspace):
    kata, ws = learner_workspace("part2")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "db_keepdims"), encoding="utf-8")
    result = kata_cli("repro", "part2", "-w", ws, "--seed", "7")
    assert result.exit_code == 0, result.output
    folder = f"{REPRO_DIR}/part2-shapes"
    assert f"python {folder}/repro.py" in result.output
    assert f"python -m pdb -c 'b {written_line(ws / folder / 'repro.py')}' -c c {folder}/repro.py" in result.output
    assert "seed 7" in result.output and "db has shape (1, 3)" in result.output


def test_without_a_seed_repro_takes_the_last_grades(kata_cli, learner_workspace):
    kata, ws = learner_workspace("part2")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "db_keepdims"), encoding="utf-8")
    graded = kata_cli("grade", "part2", "-w", ws, "--seed", "4242")
    assert graded.exit_code == 1
    assert "kata repro part2 --seed 4242" in graded.output   # the report's rerun line
    result = kata_cli("repro", "part2", "-w", ws)
    assert result.exit_code == 0, result.output
    assert "seed 4242" in result.output


def test_cli_on_a_passing_kata_says_there_is_nothing_to_reproduce(kata_cli, learner_workspace):
    kata, ws = learner_workspace("part3")
    (ws / kata.learner_file).write_text(solution(kata), encoding="utf-8")
    result = kata_cli("repro", "part3", "-w", ws)
    assert result.exit_code == 0
    assert "nothing to reproduce" in result.output
    assert kata_cli("repro", "part3", "-w", ws, "--check", "no-such-check").exit_code == 2


# -- breakpoint() inside grading --------------------------------------------------------------


def with_debugger_calls(source: str, function: str) -> str:
    """`source` with breakpoint() and pdb.set_trace() at the top of `function`."""
    head = f"def {function}("
    start = source.index(head)
    body = source.index(":\n", start) + 2
    calls = "    breakpoint()\n    import pdb; pdb.set_trace()\n"
    return source[:body] + calls + source[body:]


def test_breakpoint_is_skipped_with_one_line(learner_workspace):
    from grader.grading.engine import grade_kata

    kata, ws = learner_workspace("part4")
    (ws / kata.learner_file).write_text(with_debugger_calls(solution(kata), "mlp_backward"), encoding="utf-8")
    result = grade_kata(kata, ws, seed=1)
    assert result.passed, [(c.name, c.message) for c in result.checks if c.status.value != "pass"]
    notice = NOTICE.format(kata="part4")
    assert result.output.count(notice) == 1     # once for the kata, though every check reached it
    assert "BdbQuit" not in result.output


def test_a_breakpoint_does_not_change_why_a_mistake_fails(learner_workspace):
    from grader.grading.engine import grade_kata

    def outcomes(source):
        kata, ws = learner_workspace("part4")
        (ws / kata.learner_file).write_text(source, encoding="utf-8")
        result = grade_kata(kata, ws, seed=1)
        return [(c.name, c.status.value, c.message, [d.id for d in c.diagnoses]) for c in result.checks]

    kata = learner_workspace("part4")[0]
    plain = shipped(kata, "mistakes", "no_batch_divide")
    with_breakpoints = outcomes(with_debugger_calls(plain, "mlp_backward"))
    assert with_breakpoints == outcomes(plain)
    assert ("batch-mean", "fail") in [(name, status) for name, status, _, _ in with_breakpoints]


def test_a_breakpoint_in_the_case_stops_in_the_learners_code(learner_workspace, tmp_path):
    # Outside the grader breakpoint() is a real debugger again: driven here with pdb commands.
    kata, ws = learner_workspace("part4")
    source = shipped(kata, "mistakes", "no_batch_divide")
    (ws / kata.learner_file).write_text(source, encoding="utf-8")
    case = written(reproduce(kata, ws, seed=1))
    (ws / kata.learner_file).write_text(with_debugger_calls(source, "mlp_backward").replace(
        "    import pdb; pdb.set_trace()\n", ""), encoding="utf-8")
    shutil.rmtree(ws / "__pycache__", ignore_errors=True)
    done = run_script(ws, case.script, stdin="p type(cache).__name__\nc\n")
    assert "(Pdb)" in done.stdout and "'dict'" in done.stdout
    assert "got['W1']: differs" in done.stdout


def test_what_cannot_be_scripted_is_said_plainly(learner_workspace):
    kata, ws = learner_workspace("part2")
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "imports_torch"), encoding="utf-8")
    outcome = reproduce(kata, ws, seed=1)
    assert outcome.case is None and "not about an input" in outcome.reason
    stub_kata, stub_ws = learner_workspace("part3")   # still the stub
    outcome = reproduce(stub_kata, stub_ws, seed=1)
    assert outcome.case is None and "NotImplementedError" in outcome.reason
    assert not (ws / REPRO_DIR).exists() and not (stub_ws / REPRO_DIR).exists()


def test_any_subgradient_at_a_kink_matches_as_the_grader_accepts_it(learner_workspace):
    # ReLU's derivative at exactly Z = 0 is any c in [0, 1]; a negative one is wrong.
    kata, ws = learner_workspace("part3")
    (ws / kata.learner_file).write_text(shipped(kata, "variants", "heaviside_half"), encoding="utf-8")
    done = run_script(ws, written(reproduce(kata, ws, seed=1, check="zero-convention")).script)
    assert "matches: your relu_backward returns the expected result" in done.stdout, done.stdout
    (ws / kata.learner_file).write_text(shipped(kata, "mistakes", "negative_at_zero"), encoding="utf-8")
    outcome = reproduce(kata, ws, seed=1)
    assert outcome.check == "zero-convention"
    assert "got: differs" in run_script(ws, written(outcome).script).stdout
