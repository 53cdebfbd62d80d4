"""The learner's commands around grading: hint, reset, solution, watch, list, explain,
questions, and the workspace state they share (sanitising, locking, backups).

Grading is slow (a sandbox child per kata), so most tests record fake grades with
`record_grades`; only the watch tests grade for real, and only a stub and a reference.
"""
import json
import re
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.grading import watch as watch_mod
from grader.curriculum.catalog import Catalog
from grader.curriculum.kata import CatalogError
from grader.cli import main
from grader.cli.highlight import highlight, strip_ansi
from grader.model.results import CheckResult, KataResult
from grader.grading.watch import Watcher, changed_files, snapshot
from grader.workspace.state import LOCK_FILE, STATE_FILE, read_state, record_grades, record_hints_seen, sanitize_state, write_state
from grader.workspace.backups import BACKUP_DIR, backup_files

CATALOG = Catalog.builtin()
LAST = CATALOG.katas[-1].id
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.delenv("KATA_WORKSPACE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return invoke


@pytest.fixture
def ws(run, tmp_path):
    path = tmp_path / "ws"
    assert run("init", path).exit_code == 0
    return path


def fake_result(kata_id, passed=True, failing=0, total=5, fatal=None):
    """A KataResult as the engine would return it, without grading anything."""
    kata = CATALOG.get(kata_id)
    checks = [CheckResult(f"c{i}", f"check {i}", "fail" if i < failing else "pass", "")
              for i in range(total)]
    if not passed and not failing and not fatal:
        checks = [CheckResult("c0", "check", "fail", "", diagnoses=[{"id": "not-implemented", "function": "f"}])]
    return KataResult(kata.id, kata.alias, kata.title, kata.learner_file, checks=checks, fatal=fatal)


def state_of(ws):
    return json.loads((ws / STATE_FILE).read_text())


def rows(output):
    """`kata list` rows by kata id (the row, without the notes under it)."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        for kata in CATALOG:
            if kata.id in parts[:2] and kata.alias in parts[:3]:
                found[kata.id] = line
    return found


# -- state: sanitising ---------------------------------------------------------------

def test_sanitize_repairs_field_by_field_and_keeps_the_rest():
    raw = {"version": "one", "katas": {
        "part1": {"attempts": "x", "hints_seen": 2, "first_passed": 5, "status": "passed", "extra": [1]},
        "part2": [],
        "part3": {"attempts": True, "checks_failing": -1, "solution_viewed": {}},
    }}
    state, problems = sanitize_state(raw)
    p1, p3 = state["katas"]["part1"], state["katas"]["part3"]
    assert (p1["attempts"], p1["hints_seen"], p1["first_passed"], p1["status"]) == (0, 2, None, "passed")
    assert p1["extra"] == [1]                      # unknown keys survive untouched
    assert "part2" not in state["katas"]
    assert (p3["attempts"], p3["checks_failing"], p3["solution_viewed"]) == (0, None, None)  # bool is no count
    assert state["version"] == 1
    joined = " ".join(problems)
    for where in ("katas.part1.attempts", "katas.part1.first_passed", "katas.part2", "katas.part3.attempts"):
        assert where in joined


@pytest.mark.parametrize("raw", [[], None, "text", 3, {"katas": []}, {"katas": "x"}])
def test_sanitize_replaces_a_wrong_layout_with_a_fresh_state(raw):
    state, problems = sanitize_state(raw)
    assert problems and state["katas"] == {} and state["version"] == 1


CORRUPT = {
    "not-json": b"{not json",
    "not-utf8": b"\xff\xfe\x00garbage",
    "a-list": b"[]",
    "null": b"null",
    "katas-list": b'{"version": 1, "katas": []}',
    "kata-string": b'{"katas": {"part1": "passed"}}',
    "wrong-types": json.dumps({"version": "x", "created": 1, "katas": {"part1": {
        "attempts": "x", "hints_seen": -3, "status": 7, "first_passed": [], "checks_total": 1.5,
        "fatal": {"a": 1}, "last_graded": False, "solution_viewed": {}}}}).encode(),
}
# Every command that can run without grading; each must warn (if it reads the state) and never crash.
FAST_COMMANDS = [
    (["list"], True), (["hint", "part1"], True), (["solution", "part1", "--yes"], True),
    (["reset", "part1"], True), (["explain", "part1"], False), (["questions", "part1"], False),
    (["show", "part1"], False), (["init", "."], False),
]


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_every_command_survives_a_damaged_state_file(run, ws, content, monkeypatch):
    monkeypatch.chdir(ws)
    for args, reads_state in FAST_COMMANDS:
        (ws / STATE_FILE).write_bytes(content)
        (ws / "part1_softmax_ce.py").write_text("# edited, so that reset has work to do\n")
        result = CliRunner().invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
        assert result.exit_code == 0, (args, result.output)
        assert "Traceback" not in result.output
        if reads_state:
            assert "warning:" in result.stderr and "damaged" in result.stderr, args
        state = read_state(ws)   # whatever was written back is valid and typed
        assert isinstance(state["katas"], dict)
        for entry in state["katas"].values():
            assert isinstance(entry["attempts"], int) and isinstance(entry["hints_seen"], int)


def test_a_command_that_rewrites_a_damaged_state_keeps_a_copy_of_it(run, ws):
    (ws / STATE_FILE).write_text('{"katas": {"part1": {"attempts": "x"}}, "mine": "hand edit"}')
    result = run("hint", "part1", "-w", ws)
    assert "copied to" in result.stderr
    copies = list((ws / BACKUP_DIR).glob(f"*/{STATE_FILE}"))
    assert [c.read_text() for c in copies] == ['{"katas": {"part1": {"attempts": "x"}}, "mine": "hand edit"}']
    state = state_of(ws)
    assert state["katas"]["part1"]["attempts"] == 0 and state["katas"]["part1"]["hints_seen"] == 1
    assert state["mine"] == "hand edit"


def test_grade_and_watch_survive_a_damaged_state_file(run, ws, monkeypatch):
    (ws / STATE_FILE).write_text(CORRUPT["wrong-types"].decode())
    result = run("grade", "part3", "-w", ws)
    assert result.exit_code == 1 and "damaged" in result.stderr
    assert state_of(ws)["katas"]["part1"]["attempts"] == 0  # repaired on the way
    assert state_of(ws)["katas"]["part3"]["attempts"] == 1

    (ws / STATE_FILE).write_text('{"katas": []}')
    monkeypatch.setattr(watch_mod, "_sleep", _interrupt)
    result = run("watch", "part3", "-w", ws, "--interval", "0.1")
    assert result.exit_code == 0 and "damaged" in result.stderr
    assert state_of(ws)["katas"]["part3"]["attempts"] == 1


# -- state: atomic writes, locking, backups ---------------------------------------------

def test_a_write_interrupted_half_way_leaves_the_old_state_and_no_litter(ws, monkeypatch):
    record_hints_seen(ws, "part1", 2)
    before = (ws / STATE_FILE).read_text()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process were stopped between write and rename
    monkeypatch.setattr(os, "replace", explode)
    with pytest.raises(KeyboardInterrupt):
        record_hints_seen(ws, "part1", 3)
    assert (ws / STATE_FILE).read_text() == before
    assert not list(ws.glob(".kata-state-*"))


_WRITER = """
import sys
import time
from pathlib import Path
from grader.model.results import CheckResult, KataResult
from grader.workspace.state import record_grades, record_hints_seen
ws, n, who = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
while not (ws / "go").exists():
    time.sleep(0.01)
for i in range(n):
    kata = f"part{(who + i) % 5 + 1}"
    record_grades(ws, [KataResult(kata, kata, kata, checks=[CheckResult("c", "c", "pass", "")])])
    record_hints_seen(ws, "part1", who * 1000 + i)
"""


def test_concurrent_processes_lose_no_update(ws):
    writers, n = 4, 25
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(ws), str(n), str(w)], cwd=ROOT)
             for w in range(writers)]
    time.sleep(0.3)  # let every writer reach the starting line
    (ws / "go").touch()
    torn = 0
    while any(p.poll() is None for p in procs):  # meanwhile, every read sees a whole file
        try:
            json.loads((ws / STATE_FILE).read_text())
        except ValueError:
            torn += 1
    assert [p.wait(timeout=60) for p in procs] == [0] * writers
    assert torn == 0
    state = state_of(ws)
    assert sum(e["attempts"] for e in state["katas"].values()) == writers * n
    assert state["katas"]["part1"]["hints_seen"] == (writers - 1) * 1000 + n - 1  # the max survived
    assert (ws / LOCK_FILE).exists()


def test_a_process_killed_while_writing_leaves_a_valid_state(ws):
    loop = ("import sys\nfrom grader.workspace.state import record_hints_seen\n"
            "i = 0\nwhile True:\n    i += 1\n    record_hints_seen(sys.argv[1], 'part1', i)\n")
    for delay in (0.0, 0.013, 0.031):
        write_state(ws, {"katas": {}})
        proc = subprocess.Popen([sys.executable, "-c", loop, str(ws)], cwd=ROOT)
        deadline = time.monotonic() + 30
        while not state_of(ws)["katas"] and time.monotonic() < deadline:  # it is writing now
            time.sleep(0.005)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        state = state_of(ws)  # parses: the rename is atomic
        assert state["katas"]["part1"]["hints_seen"] >= 1


def test_backups_in_the_same_second_get_their_own_folders(ws, monkeypatch):
    learner = ws / "part1_softmax_ce.py"

    class FrozenClock:  # every backup claims the very same timestamp
        @staticmethod
        def now():
            import datetime
            return datetime.datetime(2030, 1, 2, 3, 4, 5, 6)
    monkeypatch.setattr("grader.workspace.backups.datetime", FrozenClock)
    folders = []
    for i in range(3):
        learner.write_text(f"# version {i}\n")
        folders.append(backup_files(ws, [learner.name]))
    assert len(set(folders)) == 3
    assert [(f / learner.name).read_text() for f in folders] == [f"# version {i}\n" for i in range(3)]


def test_init_force_twice_keeps_both_versions(run, ws):
    learner = ws / "part2_linear_backward.py"
    learner.write_text("# first\n")
    run("init", ws, "--force")
    learner.write_text("# second\n")
    run("init", ws, "--force")
    kept = sorted(p.read_text() for p in (ws / BACKUP_DIR).glob("*/part2_linear_backward.py"))
    assert "# first\n" in kept and "# second\n" in kept


# -- every command from a fresh workspace, found from the current folder -----------------

@pytest.mark.parametrize("args", [
    ["list"], ["hint", "part1"], ["solution", "part1", "--yes"], ["reset", "part1"],
    ["explain", "part1"], ["questions", "part1"], ["questions"], ["show", "part1"],
])
def test_every_command_works_from_inside_a_fresh_workspace(run, ws, monkeypatch, args):
    monkeypatch.chdir(ws)
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert "warning" not in result.output


@pytest.mark.parametrize("command", ["hint", "reset", "solution", "explain", "questions", "watch", "list"])
def test_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


# -- reset --------------------------------------------------------------------------------

def test_reset_backs_up_then_restores_the_stub(run, ws):
    learner = ws / "part2_linear_backward.py"
    stub = CATALOG.get("part2").stub_path.read_bytes()
    learner.write_text("# my work, first try\n")
    first = run("reset", "linear-backward", "-w", ws)
    assert first.exit_code == 0
    assert learner.read_bytes() == stub
    backup = Path(next(w for w in first.output.split() if w.endswith("part2_linear_backward.py")
                       and BACKUP_DIR in w))
    assert backup.read_text() == "# my work, first try\n"

    learner.write_text("# second try\n")
    second = run("reset", "part2", "-w", ws)
    assert second.exit_code == 0 and learner.read_bytes() == stub
    kept = sorted(p.read_text() for p in (ws / BACKUP_DIR).glob("*/part2_linear_backward.py"))
    assert kept == ["# my work, first try\n", "# second try\n"]


def test_reset_of_an_untouched_or_missing_file(run, ws):
    result = run("reset", "part3", "-w", ws)
    assert result.exit_code == 0 and "already the fresh stub" in result.output
    assert not (ws / BACKUP_DIR).exists()
    (ws / "part3_relu_backward.py").unlink()
    result = run("reset", "part3", "-w", ws)
    assert result.exit_code == 0 and "was missing" in result.output
    assert (ws / "part3_relu_backward.py").read_bytes() == CATALOG.get("part3").stub_path.read_bytes()


def test_reset_forgets_the_last_grade_but_keeps_the_history(run, ws):
    record_grades(ws, [fake_result("part1")])
    (ws / "part1_softmax_ce.py").write_text("# solved\n")
    run("reset", "part1", "-w", ws)
    entry = state_of(ws)["katas"]["part1"]
    assert entry["status"] is None and entry["attempts"] == 1 and entry["first_passed"]
    assert "reset to the stub" in rows(run("list", "-w", ws).output)["part1"]


def test_reset_usage_errors(run, ws, tmp_path):
    assert run("reset", "part9", "-w", ws).exit_code == 2
    result = run("reset", "part1")  # cwd is not a workspace
    assert result.exit_code == 2 and "kata init" in result.output


# -- hint ---------------------------------------------------------------------------------

def test_hint_walks_through_the_levels_and_records_them(run, ws):
    total = len(CATALOG.get("part3").hints)
    for n in range(1, total + 1):
        out = run("hint", "relu-backward", "-w", ws).output
        assert f"hint {n} of {total}" in out
        assert state_of(ws)["katas"]["part3"]["hints_seen"] == n
    again = run("hint", "part3", "-w", ws).output
    assert f"hint {total} of {total}" in again and "already seen all" in again
    assert "kata solution part3" in again


def test_hint_level_and_all(run, ws):
    total = len(CATALOG.get("part2").hints)
    assert f"hint 3 of {total}" in run("hint", "part2", "--level", "3", "-w", ws).output
    run("hint", "part2", "--level", "1", "-w", ws)
    assert state_of(ws)["katas"]["part2"]["hints_seen"] == 3  # looking back never lowers it
    out = run("hint", "part2", "--all", "-w", ws).output
    assert all(f"hint {n} of {total}" in out for n in range(1, total + 1))
    assert state_of(ws)["katas"]["part2"]["hints_seen"] == total
    assert run("hint", "part2", "--level", "9", "-w", ws).exit_code == 2
    assert run("hint", "part2", "--all", "--level", "1", "-w", ws).exit_code == 2


def test_hint_without_a_workspace_still_helps(run):
    result = run("hint", "part1")
    assert result.exit_code == 0 and f"hint 1 of {len(CATALOG.get('part1').hints)}" in result.stdout
    assert "not remembered" in result.stderr


# -- solution ------------------------------------------------------------------------------

def test_solution_asks_before_the_kata_has_passed(run, ws):
    reference = CATALOG.get("part2").reference_path.read_text()
    for answer in (None, "n\n"):
        result = run("solution", "part2", "-w", ws, input=answer)
        assert result.exit_code == 1 and "not shown" in result.stderr
        assert "def linear_backward" not in result.stdout
    assert state_of(ws)["katas"].get("part2", {}).get("solution_viewed") is None

    result = run("solution", "part2", "-w", ws, input="y\n")
    assert result.exit_code == 0 and "not passed part2 yet" in result.stderr
    assert result.stdout == reference  # not a terminal: plain, exact source
    assert state_of(ws)["katas"]["part2"]["solution_viewed"]
    assert "solution viewed" in run("list", "-w", ws).output


def test_solution_yes_skips_the_question_and_a_passed_kata_needs_none(run, ws):
    result = run("solution", "part4", "--yes", "-w", ws)
    assert result.exit_code == 0 and "Show the reference" not in result.output
    record_grades(ws, [fake_result("part1")])
    result = run("solution", "softmax-ce", "-w", ws)
    assert result.exit_code == 0 and "Show the reference" not in result.output
    assert result.stdout == CATALOG.get("part1").reference_path.read_text()


def test_solution_is_highlighted_on_a_colour_terminal(run, ws, monkeypatch):
    monkeypatch.setattr("grader.reporting.should_color", lambda stream: True)
    result = CliRunner().invoke(main, ["solution", "part3", "--yes", "-w", str(ws)], color=True)
    assert "\033[" in result.stdout
    assert strip_ansi(result.stdout) == CATALOG.get("part3").reference_path.read_text()


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.py")) + [ROOT / "grader" / "cli" / "learn.py"],
                         ids=lambda p: p.name)
def test_highlight_only_adds_colour(path):
    source = path.read_text()
    coloured = highlight(source)
    assert strip_ansi(coloured) == source
    assert coloured != source


def test_highlight_gives_up_politely():
    for text in ("def f(:\n", '"""never closed\n', "", "x = 1\x0c\ny = 'a\u2028b'\n"):
        assert strip_ansi(highlight(text)) == text


# -- list ---------------------------------------------------------------------------------

def test_list_shows_attempts_hints_first_pass_and_the_next_kata(run, ws):
    record_grades(ws, [fake_result("part1", passed=False, failing=2, total=7)])
    record_grades(ws, [fake_result("part1"), fake_result("part2", passed=False, failing=3, total=6)])
    record_grades(ws, [fake_result("part3", passed=False, fatal="syntax error in part3_relu_backward.py, line 2")])
    record_hints_seen(ws, "part2", 2)
    out = run("list", "-w", ws).output
    table = rows(out)
    assert table["part1"].split()[:2] == ["✓", "part1"]
    p1 = table["part1"].split()
    assert "passed" in p1 and p1[p1.index("passed") + 1] == "2" and p1[p1.index("passed") + 2] == f"0/{len(CATALOG.get('part1').hints)}"
    assert time.strftime("%Y-%m-%d") in table["part1"]
    assert table["part2"].split()[0] == "→" and "failing 3 of 6 checks" in table["part2"]
    assert f"  2/{len(CATALOG.get('part2').hints)}  " in table["part2"]
    assert "stopped" in table["part3"] and "↳ syntax error in part3_relu_backward.py, line 2" in out
    assert "not started" in table["part4"] and f"0/{len(CATALOG.get('part4').hints)}" in table["part4"]
    assert f"1 of {len(CATALOG)} katas passed" in out and "next: kata grade part2" in out


def test_list_when_everything_passed_and_without_a_workspace(run, ws):
    record_grades(ws, [fake_result(k.id) for k in CATALOG])
    out = run("list", "-w", ws).output
    assert f"{len(CATALOG)} of {len(CATALOG)} katas passed" in out and "all katas passed" in out and "→" not in out
    bare = run("list")
    assert bare.exit_code == 0 and CATALOG.get("part4").title in bare.stdout and "kata init" in bare.stderr


# -- explain and questions -----------------------------------------------------------------

def test_every_kata_has_an_explanation_that_names_its_shapes(run):
    for kata in CATALOG:
        text = kata.explanation
        assert text.strip() and "[" in text and "]" in text, kata.id  # shapes said aloud
    for kata in CATALOG.katas[:5]:  # the MLP parts: the batch and its 1/B
        assert "[B," in kata.explanation and "1/B" in kata.explanation, kata.id
    for kata in CATALOG:
        assert run("explain", kata.alias).stdout.strip() == kata.explanation.strip()
    part4 = CATALOG.get("part4").explanation
    for line in ("dZ2 = (probs - onehot(y)) / B    [B, C]", "dW2 = H1.T @ dZ2                 [H, C]",
                 "dX  = dZ1 @ W1.T                 [B, D]"):
        assert line in part4



# -- show and explain: Markdown rendered on a terminal, plain when piped -------------------

def on_a_terminal(*args, columns=80, no_color=False):
    """What `kata ARGS` prints on a real (pseudo-)terminal, through `script`."""
    import shlex

    if not shutil.which("script"):
        pytest.skip("needs script(1) for a pseudo-terminal")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "KATA_WORKSPACE")}
    env.update(COLUMNS=str(columns), LINES="50", TERM="xterm-256color")
    if no_color:
        env["NO_COLOR"] = "1"
    command = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "grader", *args))
    done = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.replace("\r\n", "\n")


MARKDOWN_SYNTAX = ("## ", "|---|", "```", "**")


def test_show_piped_is_the_markdown_itself(run):
    for kata in CATALOG:
        out = run("show", kata.id).stdout
        assert kata.instructions.strip() in out, kata.id
        assert "\033[" not in out


def test_show_on_a_terminal_renders_headings_tables_and_code():
    kata = CATALOG.get("part3")
    raw = kata.instructions
    assert all(mark in raw for mark in ("## ", "|---|", "```", "**", "`relu_forward(Z)`"))  # there is Markdown to render
    out = on_a_terminal("show", "part3")
    plain = strip_ansi(out)
    assert "\033[" in out                                           # styled
    for mark in MARKDOWN_SYNTAX:
        assert mark not in plain, mark                               # no raw Markdown left
    assert "What the grader checks" in plain and "relu_forward(Z)" in plain and "kata grade part3" in plain
    assert "─" in plain                                              # the table is drawn as a table
    assert max(len(line.rstrip()) for line in plain.splitlines()) <= 80   # filled to the terminal's width


def test_explain_on_a_terminal_keeps_the_derivation_lines_whole():
    out = strip_ansi(on_a_terminal("explain", "part4", columns=100))
    for line in ("dZ2 = (probs - onehot(y)) / B    [B, C]", "dX  = dZ1 @ W1.T                 [B, D]"):
        assert line in out
    assert "# " not in out


def test_no_color_on_a_terminal_keeps_the_layout_and_drops_the_colours():
    out = on_a_terminal("show", "part1", no_color=True)
    assert not re.search(r"\033\[[0-9;]*3[0-9]m", out)               # no foreground colour
    assert "|---|" not in strip_ansi(out) and "## " not in strip_ansi(out)


# -- one title per kata, and the instructions say what the grader accepts -----------------

def test_each_kata_has_one_title_in_show_grade_and_list(run, ws):
    graded = run("grade", "--all", "-w", ws).stdout
    listed = run("list").stdout  # no workspace here: the catalog, with titles
    for kata in CATALOG:
        assert kata.instructions.splitlines()[0] == f"# {kata.title}", kata.id
        shown = run("show", kata.id).stdout
        assert shown.count(kata.title) == 1, kata.id
        assert f"{kata.id}  {kata.alias}" in graded and kata.title in graded
        assert kata.title in listed



def checks_listed(instructions: str) -> int:
    section = re.search(r"^## What the grader checks\n(.*?)(?=^## |\Z)", instructions, re.S | re.M)
    return len(re.findall(r"^\d+\. ", section.group(1), re.M)) if section else 0


@pytest.mark.parametrize("kata", list(CATALOG), ids=lambda k: k.id)
def test_the_instructions_list_one_item_per_check(kata):
    """"8 checks waiting" must not sit next to instructions that list 6 things: one
    numbered item per check the grade reports (numpy-only included)."""
    from grader.curriculum.loading import planned_checks

    planned = planned_checks(kata)
    assert checks_listed(kata.instructions) == len(planned), [title for _, title in planned]


def test_the_check_list_count_sees_a_missing_item():
    text = CATALOG.get("part2").instructions
    assert checks_listed(text) - 1 == checks_listed(re.sub(r"(?m)^3\. .*\n", "", text))


def test_part3_instructions_match_what_the_zero_check_accepts():
    text = " ".join(CATALOG.get("part3").instructions.split())
    assert "At exactly `Z == 0` the gradient is 0." not in text
    assert "any such `c`" in text or "every such `c`" in text
    assert "[0, 1]" in text and "`Z >= 0` gives 1" in text
    # The variants that prove it: a mask of Z >= 0 (c = 1) and np.heaviside(Z, 0.5) pass validation.
    variants = {p.name for p in (ROOT / "katas" / "part3" / "variants").glob("*.py")}
    assert {"mask_multiply_ge.py", "heaviside_half.py"} <= variants


def test_every_kata_has_three_to_five_questions_with_answers():
    for kata in CATALOG:
        items = kata.questions
        assert 3 <= len(items) <= 5, kata.id
        assert len({q["id"] for q in items}) == len(items)
        assert all(len(q["answer"]) > 200 for q in items), kata.id


@pytest.mark.parametrize("kata_id, words", [
    ("part1", ["maximum", "overflow", "NaN"]),                       # why the max shift is exact and needed
    ("part5", ["zero_grad", "accumulat", "retain_graph"]),           # backward() twice
    ("part5", ["in place", "version counter"]),                     # in-place ops
    ("part4", ["step size", "eps^(1/3)", "6e-6", "O(h²)"]),          # finite differences
    ("part4", ["Layer", "def forward", "def backward", "reversed" if False else "reverse"]),
])
def test_the_classic_follow_ups_are_covered_where_they_belong(kata_id, words):
    text = " ".join(q["question"] + " " + q["answer"] for q in CATALOG.get(kata_id).questions)
    for word in words:
        assert word in text, (kata_id, word)


def test_questions_cli(run):
    part1 = CATALOG.get("part1").questions
    listing = run("questions", "part1").stdout
    assert all(q["question"][:40] in listing.replace("\n    ", " ").replace("  ", " ") or
               q["question"].split()[0] in listing for q in part1)
    assert "model answer" not in listing and "--show 1" in listing

    shown = run("questions", "part1", "--show", "2")
    assert shown.exit_code == 0 and "model answer" in shown.stdout
    assert part1[1]["answer"].split()[0] in shown.stdout and part1[0]["answer"][:30] not in shown.stdout
    assert run("questions", "part1", "--show", part1[2]["id"]).stdout.count("model answer") == 1
    assert run("questions", "part5", "--answers").stdout.count("model answer") == len(CATALOG.get("part5").questions)
    everything = run("questions").stdout
    assert all(f"{k.id} ({k.alias})" in everything for k in CATALOG)
    assert run("questions", "part1", "--show", "9").exit_code == 2
    assert run("questions", "--show", "1").exit_code == 2


def test_a_malformed_questions_file_is_an_authoring_error(tmp_path):
    shutil.copytree(ROOT / "katas" / "part1", tmp_path / "part1")
    (tmp_path / "part1" / "questions.toml").write_text('[[questions]]\nid = "x"\nquestion = "why?"\n')
    kata = Catalog.from_dirs(tmp_path, ROOT / "solutions").get("part1")
    with pytest.raises(CatalogError, match="question 1"):
        kata.questions
    (tmp_path / "part1" / "questions.toml").unlink()
    (tmp_path / "part1" / "explain.md").unlink()
    assert kata.questions == [] and kata.explanation == ""


def test_package_data_ships_the_new_files():
    import fnmatch
    import tomllib
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["grader.katas"]
    for name in ("part1/explain.md", "part1/questions.toml"):
        assert any(fnmatch.fnmatch(name, g) for g in globs), name


# -- watch: the loop, with everything faked ----------------------------------------------

class FakeFiles:
    """A workspace listing that the test edits by hand."""
    def __init__(self):
        self.mtimes = {k.learner_file: (1, 10) for k in CATALOG}

    def save(self, name):
        old = self.mtimes.get(name, (0, 0))
        self.mtimes[name] = (old[0] + 1, old[1])

    def __call__(self):
        return dict(self.mtimes)


def make_watcher(outcomes, files=None, passed=(), start="part1"):
    """outcomes: kata id -> list of results handed out in order by the fake grade."""
    graded, screens, sleeps = [], [], []
    files = files or FakeFiles()

    def grade(kata):
        graded.append(kata.id)
        return outcomes[kata.id].pop(0)

    watcher = Watcher(CATALOG.katas, CATALOG.get(start), grade, lambda s, r: screens.append((s, r)), files,
                      passed=passed, interval=0.25, sleep=sleeps.append, clock=lambda: 0.0)
    return watcher, files, graded, screens, sleeps


def test_watch_grades_once_then_only_when_a_file_is_saved():
    watcher, files, graded, screens, sleeps = make_watcher(
        {"part1": [fake_result("part1", passed=False), fake_result("part1", passed=False, failing=2, total=8)]})
    watcher.run(max_polls=3)
    assert graded == ["part1"] and sleeps == [0.25, 0.25, 0.25]
    assert "part1 not implemented yet" in screens[0][0] and "Ctrl-C to stop" in screens[0][0]
    files.save("part1_softmax_ce.py")
    assert watcher.poll() is True and graded == ["part1", "part1"]
    assert "part1 failing · 6 of 8 checks pass" in screens[1][0]
    assert watcher.poll() is False  # nothing saved since


def test_watch_follows_the_learner_to_the_next_kata():
    watcher, files, graded, screens, _ = make_watcher(
        {"part1": [fake_result("part1")], "part3": [fake_result("part3", passed=False, failing=1)]},
        passed={"part2"})
    watcher.run(max_polls=0)
    summary = screens[0][0]
    assert "✓ part1 passed" in summary and "next: part3" in summary and f"2 of {len(CATALOG)} katas passed" in summary
    assert watcher.current.id == "part3"  # part2 was already passed, so it is skipped
    files.mtimes["helpers.py"] = (1, 1)   # a helper module: grades the kata being worked on
    watcher.poll()
    assert graded == ["part1", "part3"]


def test_watch_grades_the_kata_whose_file_was_saved():
    watcher, files, graded, screens, _ = make_watcher(
        {"part1": [fake_result("part1", passed=False)], "part4": [fake_result("part4", passed=False, failing=1)]})
    watcher.run(max_polls=0)
    files.save("part4_mlp_backward.py")
    watcher.poll()
    assert graded == ["part1", "part4"] and watcher.current.id == "part4"


def test_watch_says_when_everything_passed_and_stops_on_request():
    watcher, files, graded, screens, sleeps = make_watcher(
        {LAST: [fake_result(LAST)]}, passed={k.id for k in CATALOG} - {LAST}, start=LAST)
    polls = []
    watcher.run(stop=lambda: len(polls.append(1) or polls) > 2)
    assert "every kata passed" in screens[0][0] and f"{len(CATALOG)} of {len(CATALOG)}" in screens[0][0]
    assert len(sleeps) == 2


def test_watch_lets_ctrl_c_through_to_the_caller():
    watcher, *_ = make_watcher({"part1": [fake_result("part1", passed=False)]})
    watcher.sleep = _interrupt
    with pytest.raises(KeyboardInterrupt):
        watcher.run()


def _interrupt(seconds):
    raise KeyboardInterrupt


def test_snapshot_sees_python_files_only(tmp_path):
    (tmp_path / "part1_softmax_ce.py").write_text("x = 1\n")
    (tmp_path / "helper.py").write_text("")
    (tmp_path / ".hidden.py").write_text("")
    (tmp_path / STATE_FILE).write_text("{}")
    (tmp_path / BACKUP_DIR).mkdir()
    (tmp_path / BACKUP_DIR / "old.py").write_text("")
    before = snapshot(tmp_path)
    assert set(before) == {"part1_softmax_ce.py", "helper.py"}
    write_state(tmp_path, {"katas": {}})                        # grading records: no change
    assert changed_files(before, snapshot(tmp_path)) == []
    os.utime(tmp_path / "part1_softmax_ce.py", ns=(1, 1))       # saved (an older mtime counts too)
    (tmp_path / "helper.py").unlink()
    assert changed_files(before, snapshot(tmp_path)) == ["helper.py", "part1_softmax_ce.py"]


# -- watch: the command, grading for real -------------------------------------------------

def test_watch_command_grades_follows_and_records(run, ws, monkeypatch):
    record_grades(ws, [fake_result("part1")])  # so `kata watch` starts at part2
    part2 = CATALOG.get("part2")
    calls = []

    def learner_saves_then_presses_ctrl_c(seconds):
        calls.append(seconds)
        if len(calls) == 1:
            shutil.copyfile(part2.reference_path, ws / part2.learner_file)
            os.utime(ws / part2.learner_file, ns=(1, 1))  # a different mtime whatever the clock says
        else:
            raise KeyboardInterrupt
    monkeypatch.setattr(watch_mod, "_sleep", learner_saves_then_presses_ctrl_c)
    monkeypatch.chdir(ws)
    result = run("watch", "--interval", "0.1")
    assert result.exit_code == 0, result.output
    assert calls == [0.1, 0.1]
    out = result.stdout
    assert "… part2 not implemented yet" in out
    assert "✓ part2 passed · next: part3 (relu-backward)" in out and f"2 of {len(CATALOG)} katas passed" in out
    assert "PASSED" in out and "seed" in out  # the text report under the summary
    assert "stopped watching" in result.stderr
    entry = state_of(ws)["katas"]["part2"]
    assert entry["attempts"] == 2 and entry["status"] == "passed"


def test_watch_exits_cleanly_on_a_real_ctrl_c(ws):
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "watch", "part3", "-w", str(ws), "--interval", "0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a shell may start us with SIGINT ignored; the learner's terminal would not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen, deadline = "", time.monotonic() + 60
    while "Ctrl-C to stop" not in seen and time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.5)[0]:
            seen += proc.stdout.readline()
    assert "part3 not implemented yet" in seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped watching" in err
    assert state_of(ws)["katas"]["part3"]["attempts"] == 1
