"""`kata interview`: a whole mock interview driven from the command line, with a fake
clock (KATA_CLOCK_FILE), answers on standard input and through options; the
scorecard's verdicts and the history record for a correct and a buggy workspace;
the content, its parsing and its validation."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.curriculum.catalog import Catalog
from grader.interview import content as content_module
from grader.interview import record, spoken, validate
from grader.interview.content import ContentError
from grader.interview.spoken import LETTERS
from grader.workspace.state import STATE_FILE

CATALOG = Catalog.builtin()
CONTENT = content_module.load(CATALOG)
KATAS = Path(CATALOG.get("part1").folder).parent
START = 1_767_225_600.0   # 2026-01-01 00:00 UTC
PARTS = ["part1", "part2", "part4"]


@pytest.fixture
def clock(tmp_path, monkeypatch):
    """The interview's clock, read from a file; `clock(t)` sets it to START + t seconds."""
    path = tmp_path / "clock"
    monkeypatch.setenv("KATA_CLOCK_FILE", str(path))

    def set_to(offset: float) -> None:
        path.write_text(repr(START + offset))
    set_to(0)
    return set_to


@pytest.fixture
def kata(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return run


@pytest.fixture
def ws(kata, tmp_path):
    assert kata("init", tmp_path / "ws").exit_code == 0
    return tmp_path / "ws"


def state(ws: Path) -> dict:
    return json.loads((ws / STATE_FILE).read_text())


def shape_lines(part: str, wrong: dict[str, str] | None = None) -> list[str]:
    """Right answers to a part's shape prompts, but for the `wrong` ones."""
    return [(wrong or {}).get(p.tensor, p.answer) for p in CONTENT.part(part).shapes]


def followup_answers(ws: Path, right: bool) -> list[str]:
    """The letter (or number) for every follow-up the interview chose, right or not."""
    session = state(ws)["interview"]
    by_id = {q.id: q for q in CONTENT.followups}
    out = []
    for chosen in session["followups"]:
        q = by_id[chosen["id"]]
        if q.kind == "number":
            out.append(repr(q.answer) if right else repr(q.answer * 7 + 1))
        else:
            position = chosen["order"].index(int(q.answer))
            out.append(LETTERS[position if right else (position + 1) % len(q.choices)])
    return out


def important_numbers(ws: Path, which: str) -> str:
    """The clarifying questions to pick, by number as shown: all important ones, or none."""
    shown = state(ws)["interview"]["clarifying"]["shown"]
    by_id = {q.id: q for q in CONTENT.clarifying}
    if which == "important":
        return " ".join(str(n) for n, qid in enumerate(shown, 1) if by_id[qid].important)
    return " ".join(str(n) for n, qid in enumerate(shown, 1) if not by_id[qid].important)


def interview_folder(ws: Path) -> Path:
    return ws / state(ws)["interview"]["folder"]


def put(folder: Path, kata_id: str, source: Path) -> None:
    shutil.copyfile(source, folder / CATALOG.get(kata_id).learner_file)


def reference(kata_id: str) -> Path:
    return CATALOG.get(kata_id).reference_path


def mistake(kata_id: str, name: str) -> Path:
    return CATALOG.get(kata_id).folder / "mistakes" / name


def drive(kata, ws, clock, files: dict[str, Path], *, questions: str, shapes_wrong=None, right: bool = True):
    """A whole interview in four sittings, as a learner who closes the terminal between them."""
    practice = {k.learner_file: (ws / k.learner_file).read_bytes() for k in CATALOG}
    # 1. Start: the prompt, then stdin ends at the clarifying questions (the learner leaves).
    first = kata("interview", "--parts", ",".join(PARTS), "--minutes", 45, "--seed", 11, "-w", ws, input="")
    assert first.exit_code == 0, first.output
    assert "Before you write any code" in first.output and "the clock keeps running" in first.output
    # 2. Resume: the questions, part1's shapes, then leave again.
    clock(60)
    lines = [important_numbers(ws, questions)] + shape_lines("part1", (shapes_wrong or {}).get("part1")) + ["quit"]
    second = kata("interview", "-w", ws, input="\n".join(lines) + "\n")
    assert second.exit_code == 0, second.output
    assert "The interviewer answers" in second.output or questions == "none"
    folder = interview_folder(ws)
    for kata_id, source in files.items():
        put(folder, kata_id, source)
    # 3. Resume 10 minutes later: check part1, move on through part2 and part4.
    clock(660)
    lines = (["check", "next"] + shape_lines("part2", (shapes_wrong or {}).get("part2"))
             + ["next"] + shape_lines("part4", (shapes_wrong or {}).get("part4")) + ["status", "quit"])
    third = kata("interview", "-w", ws, input="\n".join(lines) + "\n")
    assert third.exit_code == 0, third.output
    # 4. Submit 20 minutes in, the follow-ups answered on stdin.
    clock(1260)
    answers = followup_answers(ws, right)
    fourth = kata("interview", "submit", "-w", ws, input="\n".join(answers) + "\n")
    # The practice files were never touched.
    assert {k.learner_file: (ws / k.learner_file).read_bytes() for k in CATALOG} == practice
    return first, second, third, fourth, folder


def verdicts(ws: Path) -> dict:
    return state(ws)["interviews"][-1]["rubric"]


def test_a_correct_workspace_scores_strong_and_is_recorded(kata, ws, clock):
    files = {p: reference(p) for p in PARTS}
    _, second, third, fourth, folder = drive(kata, ws, clock, files, questions="important")
    assert "✓" in second.output and "8 of 8 shapes right" in second.output
    quick = third.output.split("quick check")[1]
    assert "✓ Output shapes and dtypes" in quick
    assert "likely cause" not in third.output and "hint" not in quick.lower()
    assert "3 of 3 parts tried" in third.output
    assert fourth.exit_code == 0, fourth.output
    out = fourth.output
    assert "3 of 3 parts passed" in out
    summary = state(ws)["interviews"][-1]
    assert summary["status"] == "submitted" and summary["time_up"] is False
    assert summary["used_s"] == 1260.0
    assert [(p["id"], p["passed"]) for p in summary["parts"]] == [(p, True) for p in PARTS]
    seconds = {p["id"]: p["seconds"] for p in summary["parts"]}
    assert seconds["part1"] == 660 - 60 and seconds["part2"] == 0 and seconds["part4"] == 1260 - 660
    # Parts 1, 2 and 4 have no verification checks and no follow-up on it: not shown.
    assert verdicts(ws) == {"shapes": "strong", "one-over-b": "strong", "verification": "not shown",
                            "pitfalls": "strong"}
    assert summary["followups"][0] == summary["followups"][1] == 6
    assert summary["clarifying"][0] == summary["clarifying"][1]
    assert state(ws).get("interview") is None
    # The scorecard's files, and the review events of each part.
    for name in ("scorecard.txt", "scorecard.html", "scorecard.json", "report.html"):
        assert (folder / name).is_file()
    for part in PARTS:
        event = state(ws)["katas"][part]["review_events"][-1]
        assert event["source"] == "interview" and event["passed"] is True
    history = kata("interview", "history", "-w", ws)
    assert history.exit_code == 0 and "submitted  3/3" in history.output


def test_a_buggy_workspace_gets_the_verdicts_its_bugs_earn(kata, ws, clock):
    files = {"part1": mistake("part1", "no_max_subtraction.py"), "part2": mistake("part2", "divides_by_b.py"),
             "part4": mistake("part4", "dw1_transposed.py")}
    wrong = {"part1": {"row max (keepdims)": "B"}, "part4": {"dW1": "H,D", "db2": "1,C"}}
    *_, fourth, folder = drive(kata, ws, clock, files, questions="none", shapes_wrong=wrong, right=False)
    assert fourth.exit_code == 1
    out = fourth.output
    assert "0 of 3 parts passed" in out
    rubric = verdicts(ws)
    assert rubric["shapes"] in ("weak", "mixed") and rubric["one-over-b"] in ("weak", "mixed")
    assert rubric["pitfalls"] in ("weak", "mixed")
    # Evidence from the grade: the wrong shapes said, the transposed dW1, the extra 1/B, the overflow.
    assert "you said H,D; it is [D, H] = [128, 256]" in out
    assert "part2 no-batch-factor" in out and "1/B applied twice" in out
    assert "Wrong transpose" in out
    assert "part1 stability" in out
    # A check of another dimension that stopped at the transposed dW1 is not held against that dimension.
    assert "part4 batch-mean: not judged, it stopped at Wrong transpose (shapes)" in out
    # The skipped questions, and what they would have prevented.
    assert "skipped: Guessing wrong makes the loss" in out
    assert "and the grade found it: 1/B applied twice in part2" in out
    # Only after the verdicts: the full diagnoses and the hints, now unlocked.
    assert out.index("Rubric") < out.index("What failed, and what helps") < out.index("likely cause:")
    assert "hint " in out.split("What failed")[1]
    summary = state(ws)["interviews"][-1]
    assert summary["followups"] == [0, 6] and summary["clarifying"][0] == 0
    assert summary["shapes"][0] == summary["shapes"][1] - 3
    for part in PARTS:
        assert state(ws)["katas"][part]["review_events"][-1]["passed"] is False
    html = (folder / "scorecard.html").read_text()
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "1/B applied twice" in html


def test_time_up_submits_on_the_next_command_and_notes_late_edits(kata, ws, clock):
    assert kata("interview", "--parts", "part2", "--minutes", 10, "--seed", 3, "-w", ws,
                input="\n" + "\n".join(shape_lines("part2")) + "\nquit\n").exit_code == 0
    folder = interview_folder(ws)
    put(folder, "part2", reference("part2"))
    os.utime(folder / "part2_linear_backward.py", (START + 640, START + 640))  # saved 40 s after the deadline
    clock(11 * 60)
    out = kata("interview", "status", "-w", ws, input="")
    assert "time is up" in out.output and "1 of 1 parts passed" in out.output
    assert "changed after the time was up" in out.output
    summary = state(ws)["interviews"][-1]
    assert summary["time_up"] is True and summary["used_s"] == 600.0
    assert summary["followups"][0] == 0  # nobody there to answer them: not asked


def test_help_is_locked_during_an_interview_and_unlocked_after(kata, ws, clock, monkeypatch):
    monkeypatch.setenv("KATA_WORKSPACE", str(ws))
    assert kata("interview", "--parts", "part3", "--minutes", 5, input="").exit_code == 0
    for command in (["hint", "part3"], ["solution", "part3", "--yes"], ["grade", "part3"], ["watch"],
                    ["explain", "part3"], ["questions", "part3"]):
        result = kata(*command)
        assert result.exit_code == 2 and "locked while a mock interview is in progress" in result.output, command
    assert kata("show", "part3").exit_code == 0  # the task itself is what the interviewer says
    assert kata("list").exit_code == 0
    assert kata("interview", "submit", "--no-questions").exit_code == 1
    assert kata("hint", "part3").exit_code == 0


def test_follow_ups_can_be_answered_with_options(kata, ws, clock):
    assert kata("interview", "--parts", "part1", "--seed", 5, "--followups", 2, "-w", ws, input="").exit_code == 0
    answers = followup_answers(ws, right=True)
    put(ws / state(ws)["interview"]["folder"], "part1", reference("part1"))
    result = kata("interview", "submit", "-w", ws, "--answer", f"1={answers[0]}", "--answer", f"2={answers[1]}")
    assert result.exit_code == 0, result.output
    assert state(ws)["interviews"][-1]["followups"] == [2, 2]
    assert "Follow-up questions: 2 of 2 right" in result.output


def test_abandon_resume_and_a_second_start(kata, ws, clock):
    assert kata("interview", "--parts", "part3", "-w", ws, input="").exit_code == 0
    again = kata("interview", "--parts", "part2", "-w", ws, input="")
    assert again.exit_code == 2 and "in progress" in again.output
    assert kata("interview", "abandon", "-w", ws, input="").exit_code == 2  # asks first: --yes
    result = kata("interview", "abandon", "--yes", "-w", ws)
    assert result.exit_code == 0 and "abandoned" in result.output
    assert state(ws)["interview"] is None and state(ws)["interviews"][-1]["status"] == "abandoned"
    history = kata("interview", "history", "-w", ws).output
    assert "abandoned" in history
    assert kata("interview", "--parts", "part2", "-w", ws, input="").exit_code == 0


def test_a_damaged_interview_record_can_be_set_aside(kata, ws, clock):
    assert kata("interview", "--parts", "part3", "-w", ws, input="").exit_code == 0
    data = state(ws)
    data["interview"]["parts_state"] = "scrambled"
    (ws / STATE_FILE).write_text(json.dumps(data))
    result = kata("interview", "status", "-w", ws)
    assert result.exit_code == 2 and "damaged" in result.output and "abandon" in result.output
    assert kata("interview", "abandon", "--yes", "-w", ws).exit_code == 0


def test_scorecard_and_history_pages(kata, ws, clock, tmp_path):
    for n in range(2):
        clock(n * 3600)
        assert kata("interview", "--parts", "part3", "--seed", n, "-w", ws, input="").exit_code == 0
        if n:  # the first one stays the stub: not done in time
            put(interview_folder(ws), "part3", reference("part3"))
        clock(n * 3600 + 120)
        kata("interview", "submit", "--no-questions", "-w", ws)
    page = kata("interview", "history", "--format", "html", "-o", tmp_path / "h.html", "-w", ws)
    assert page.exit_code == 0
    html = (tmp_path / "h.html").read_text()
    assert html.count("<circle") >= 4 and "<polyline" in html and "<script" not in html
    text = kata("interview", "scorecard", "1", "-w", ws)
    assert text.exit_code == 0 and "Mock interview" in text.output
    assert "<svg" in kata("interview", "scorecard", "--format", "html", "-w", ws).output


# -- content and parsing ---------------------------------------------------------------

@pytest.mark.parametrize("said, answer, ok", [
    ("B,C", "B,C", True), ("b, c", "B,C", True), ("[64, 10]", "B,C", True), ("(64,10)", "B,C", True),
    ("64x10", "B,C", True), ("C,B", "B,C", False), ("B", "B,C", False), ("B,1", "B,1", True),
    ("64,1", "B,1", True), ("B", "B,1", False), ("scalar", "scalar", True), ("()", "scalar", True),
    ("0-d", "scalar", True), ("B", "scalar", False), ("", "B", False), ("1", "scalar", False),
])
def test_spoken_shapes(said, answer, ok):
    prompt = content_module.ShapePrompt("part1", "t", answer, "")
    assert spoken.shape_ok(prompt, said, {"B": 64, "C": 10}) is ok


def test_spoken_shapes_with_lower_case_size_names():
    prompt = content_module.ShapePrompt("part2", "dW", "n_in,n_out", "")
    sizes = {"B": 64, "n_in": 128, "n_out": 256}
    assert spoken.shape_ok(prompt, "N_IN, n_out", sizes) and spoken.shape_ok(prompt, "128,256", sizes)
    assert not spoken.shape_ok(prompt, "256,128", sizes)


def test_follow_up_answers():
    number = content_module.FollowUp("q", "part5", "one-over-b", "number", "?", "", answer=64.0, tolerance=0.001)
    assert spoken.number_ok(number, spoken.parse_number("64")) and not spoken.number_ok(number, 63.0)
    step = content_module.FollowUp("s", "part6", "verification", "number", "?", "", answer=6e-6, within_factor=2.0)
    assert spoken.number_ok(step, spoken.parse_number("1e-5")) and not spoken.number_ok(step, 1e-7)
    assert spoken.parse_number("1/64") == 1 / 64 and spoken.parse_number("many") is None
    assert spoken.parse_choice("B)", 4) == 1 and spoken.parse_choice("3", 4) == 2 and spoken.parse_choice("e", 4) is None
    assert spoken.parse_picks("1, 3 5", 6) == [1, 3, 5] and spoken.parse_picks("", 6) == []
    assert spoken.parse_picks("7", 6) is None


def test_chosen_follow_ups_cover_every_dimension():
    import random

    questions = CONTENT.followups_for(["part1", "part2", "part3", "part4", "part5"])
    picked = record.pick_followups(list(questions), 4, random.Random(1))
    assert {q.dimension for q in picked} == {"shapes", "one-over-b", "verification", "pitfalls"}


def test_the_built_in_content_is_valid():
    rows = [job() for job in validate.jobs(CATALOG, list(CATALOG))]
    assert rows and all(ok for *_, ok in rows), [r for r in rows if not r[4]]
    assert {name for _, name, *_ in rows} >= {"interview content", "interview shapes", "question ids"}
    assert CONTENT.default_parts == ["part1", "part2", "part3", "part4", "part5"] and CONTENT.minutes == 45
    for q in CONTENT.followups:  # exactly one right answer: distinct choices, one index
        if q.kind == "choice":
            assert len(set(q.choices)) == len(q.choices) and 0 <= q.answer < len(q.choices)


def _pack(tmp_path: Path) -> Path:
    """A pack with one kata (a copy of part3 under another name) and interview content of its own."""
    root = tmp_path / "pack"
    (root / "katas").mkdir(parents=True)
    (root / "solutions").mkdir()
    kata = root / "katas" / "relu2"
    shutil.copytree(CATALOG.get("part3").folder, kata)
    toml = (kata / "kata.toml").read_text()
    toml = toml.replace('id = "part3"', 'id = "relu2"').replace('alias = "relu-backward"', 'alias = "relu-again"')
    toml = toml.replace('learner_file = "part3_relu_backward.py"', 'learner_file = "relu2.py"')
    (kata / "kata.toml").write_text(toml)
    (kata / "part3_relu_backward.py").rename(kata / "relu2.py")
    shutil.copyfile(reference("part3"), root / "solutions" / "relu2.py")
    (root / "katas" / "interview.toml").write_text(
        '[[clarifying]]\nid = "leaky-or-not"\nquestion = "Plain ReLU, or a leaky one?"\n'
        'answer = "Plain ReLU: max(z, 0)."\nimportant = true\nprevents = "A leaky slope where none belongs."\n'
        'diagnoses = ["leaky-relu"]\n')
    return root


def test_a_pack_adds_its_own_content_and_validate_checks_it(tmp_path):
    root = _pack(tmp_path)
    catalog = Catalog.discover([root], entry_points=False)
    content = content_module.load(catalog)
    assert "leaky-or-not" in {q.id for q in content.clarifying}
    assert content.part("relu2").shapes and content.part("relu2").probe is not None
    relu2 = catalog.get("relu2")
    # The copied follow-ups kept part3's ids: the record could not tell them apart.
    rows = {name: (got, ok) for _, name, _, got, ok in (job() for job in validate.jobs(catalog, [relu2]))}
    assert not rows["question ids"][1] and "'relu-zero-clamp' is used in" in rows["question ids"][0]
    path = relu2.folder / "interview.toml"
    path.write_text(path.read_text().replace('id = "relu-zero-', 'id = "pack-relu-zero-'))
    rows = [job() for job in validate.jobs(catalog, [relu2])]
    assert all(ok for *_, ok in rows), rows
    # A wrong shape answer is caught against the reference's real shapes.
    path.write_text(path.read_text().replace('tensor = "dZ"\nanswer = "B,H"', 'tensor = "dZ"\nanswer = "H,B"'))
    rows = {name: (got, ok) for _, name, _, got, ok in (job() for job in validate.jobs(catalog, [relu2]))}
    got, ok = rows["interview shapes"]
    assert not ok and "'dZ' at B=64, H=256: the reference gives (64, 256), the answer 'H,B' says (256, 64)" in got
    # Two choices that say the same: no longer one right answer.
    path.write_text(path.read_text() + '\n[[followups]]\nid = "twice"\ndimension = "pitfalls"\nkind = "choice"\n'
                    'question = "?"\nchoices = ["same", "Same", "other"]\nanswer = 0\nexplanation = "."\n')
    with pytest.raises(ContentError, match="two choices say the same thing"):
        content_module.load(catalog)
    rows = {name: (got, ok) for _, name, _, got, ok in (job() for job in validate.jobs(catalog, [relu2]))}
    assert not rows["interview content"][1]


def test_kata_validate_shows_the_interview_rows(kata, tmp_path):
    root = _pack(tmp_path)
    path = root / "katas" / "relu2" / "interview.toml"
    path.write_text(path.read_text().replace('id = "relu-zero-', 'id = "pack-relu-zero-'))
    result = kata("validate", "relu2", "--katas", root)
    assert result.exit_code == 0, result.output
    assert "interview  interview shapes" in result.output and "interview  interview content" in result.output


@pytest.mark.parametrize("bad, message", [
    ('[[followups]]\nid = "x"\ndimension = "style"\nkind = "choice"\nquestion = "?"\nchoices = ["a", "b"]\n'
     'answer = 0\nexplanation = "."\n', "dimension must be one of"),
    ('[[followups]]\nid = "x"\ndimension = "shapes"\nkind = "choice"\nquestion = "?"\nchoices = ["a", "b"]\n'
     'answer = 2\nexplanation = "."\n', "is not the index of a choice"),
    ('[[followups]]\nid = "x"\ndimension = "shapes"\nkind = "number"\nquestion = "?"\nanswer = 2\n'
     'explanation = "."\n', "exactly one of tolerance"),
    ('[[sizes]]\nB = 4\nC = 4\n', "two sizes are equal"),
    ('[[sizes]]\nB = 7\n[[shapes]]\ntensor = "t"\nanswer = "B,Q"\nwhy = "."\n', "is neither a size name"),
])
def test_malformed_part_content_names_the_file_and_the_entry(tmp_path, bad, message):
    path = tmp_path / "interview.toml"
    path.write_text(bad)
    with pytest.raises(ContentError, match=message) as info:
        content_module.read_part(path, "part1")
    assert str(path) in str(info.value)


def test_one_probe_child_answers_every_kata_and_keeps_their_errors_apart(tmp_path):
    """validate's probes share one child: a probe that raises, or a reference that does not
    load, spoils only its own answer."""
    from grader.interview.probe import Batch

    ref = tmp_path / "ref.py"
    ref.write_text("import numpy as np\ndef f(X):\n    return X.sum(axis=0)\n")
    good = tmp_path / "good.py"
    good.write_text("def tensors(ref, sizes, rng):\n    X = rng.normal(size=(sizes['B'], sizes['D']))\n"
                    "    return {'X': X, 'out': ref.f(X), 'loss': 1.0}\n")
    bad = tmp_path / "bad.py"
    bad.write_text("def tensors(ref, sizes, rng):\n    raise KeyError('H')\n")
    broken = tmp_path / "broken_ref.py"
    broken.write_text("def f(:\n")
    sizes = [{"B": 2, "D": 3}, {"B": 5, "D": 1}]
    batch = Batch([(good, ref, sizes), (bad, ref, sizes), (good, broken, sizes)])
    assert batch.answer(0) == {"sizes": [{"X": [2, 3], "out": [3], "loss": []}, {"X": [5, 1], "out": [1], "loss": []}]}
    assert [s["error"].split(":")[0] for s in batch.answer(1)["sizes"]] == ["KeyError", "KeyError"]
    assert batch.answer(2)["error"].startswith("cannot load: SyntaxError")
