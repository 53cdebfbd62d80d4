"""The review schedule (grader.interview.review): Leitner boxes and their intervals,
what counts as a cold pass, the events practice grades leave in the record, and
`kata review` / `kata list` reading them."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.curriculum.catalog import Catalog
from grader.interview import review
from grader.interview.review import INTERVALS, outcome, schedule
from grader.workspace.state import STATE_FILE, read_state

CATALOG = Catalog.builtin()
DAY0 = date(2026, 3, 2)


def at(day: int, hour: int = 10) -> str:
    d = DAY0.toordinal() + day
    return f"{date.fromordinal(d).isoformat()}T{hour:02d}:00:00+0000"


def cold(day):
    return {"at": at(day), "source": "interview", "passed": True, "seconds": 300.0}


def failed(day):
    return {"at": at(day), "source": "interview", "passed": False, "seconds": 900.0}


def practice(day, hints=0, solution=False, fails=0):
    return {"at": at(day), "source": "practice", "hints": hints, "solution": solution, "fails": fails}


def test_the_intervals_double_roughly_box_by_box():
    assert INTERVALS == {1: 1, 2: 3, 3: 7, 4: 14, 5: 30}


@pytest.mark.parametrize("event, result", [
    (cold(0), "cold"), (failed(0), "failed"), (practice(0), "cold"), (practice(0, hints=2), "assisted"),
    (practice(0, solution=True), "assisted"), (practice(0, fails=3), "retried"),
    (practice(0, hints=1, fails=3), "assisted"),
])
def test_what_each_event_counts_as(event, result):
    assert outcome(event) == result


def test_passing_cold_when_due_moves_a_kata_out_box_by_box():
    events, day = [], 0
    for box in (2, 3, 4, 5, 5):
        events.append(cold(day))
        s = schedule(events)
        assert s.box == box and (s.due - s.last).days == INTERVALS[box]
        day = (s.due - DAY0).days  # come back exactly when due
    assert schedule(events).box == 5  # the last box keeps it: every 30 days


def test_a_failed_interview_or_a_pass_after_hints_comes_back_the_next_day():
    s = schedule([cold(0), cold(3), cold(10)])
    assert s.box == 4
    for setback in (failed(24), practice(24, hints=1), practice(24, solution=True)):
        s = schedule([cold(0), cold(3), cold(10), setback])
        assert s.box == 1 and s.due == date.fromordinal(DAY0.toordinal() + 25)


def test_retries_keep_the_box_and_early_passes_do_not_promote():
    s = schedule([cold(0), practice(3, fails=2)])
    assert s.box == 2 and (s.due - s.last).days == 3
    early = schedule([cold(0), cold(1)])  # due on day 3, passed again on day 1
    assert early.box == 2 and early.due == date.fromordinal(DAY0.toordinal() + 3)


def test_events_are_taken_in_time_order_and_bad_ones_skipped():
    assert schedule([failed(5), cold(0)]).box == 1
    assert schedule([cold(0), {"at": "yesterday", "source": "interview", "passed": False}]).box == 2


def test_plan_sorts_what_is_due():
    state = {"katas": {"part1": {"review_events": [cold(0)], "attempts": 1},
                       "part2": {"review_events": [failed(0)], "attempts": 1},
                       "part3": {"review_events": [], "attempts": 2},
                       "part4": {"review_events": [cold(0), cold(3)], "attempts": 1}}}
    from grader.workspace.state import sanitize_state

    state, _ = sanitize_state(state)
    p = review.plan(CATALOG, state, date.fromordinal(DAY0.toordinal() + 3))
    assert [i.kata.id for i in p.due] == ["part2", "part1"]  # the lower box first
    assert [i.kata.id for i in p.upcoming] == ["part4"] and p.upcoming[0].days == 7
    assert [i.kata.id for i in p.learning] == ["part3"]
    assert [i.kata.id for i in p.new] == ["part5", "part6", "part7", "part8"]


def test_practice_grades_leave_review_events(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = CliRunner()
    ws = tmp_path / "ws"
    assert run.invoke(main, ["init", str(ws)]).exit_code == 0
    kata = CATALOG.get("part2")
    # Cold: passes at the first grade, no hint.
    shutil.copyfile(kata.reference_path, ws / kata.learner_file)
    assert run.invoke(main, ["grade", "part2", "-w", str(ws)]).exit_code == 0
    assert run.invoke(main, ["grade", "part2", "-w", str(ws)]).exit_code == 0   # still passing: no new event
    # A failing grade, a hint, then the pass: assisted.
    shutil.copyfile(kata.folder / "mistakes" / "sign_flip.py", ws / kata.learner_file)
    assert run.invoke(main, ["grade", "part2", "-w", str(ws)]).exit_code == 1
    assert run.invoke(main, ["hint", "part2", "-w", str(ws)]).exit_code == 0
    shutil.copyfile(kata.reference_path, ws / kata.learner_file)
    assert run.invoke(main, ["grade", "part2", "-w", str(ws)]).exit_code == 0
    entry = read_state(ws)["katas"]["part2"]
    events = entry["review_events"]
    assert [outcome(e) for e in events] == ["cold", "assisted"]
    assert events[1]["fails"] == 1 and events[1]["hints"] == 1
    assert entry["round_fails"] == entry["round_hints"] == 0 and entry["first_graded"]
    listing = run.invoke(main, ["list", "-w", str(ws)]).output
    row = next(line for line in listing.splitlines() if " part2 " in line)
    assert " in 1d " in row   # back in box 1
    header = next(line for line in listing.splitlines() if "first passed" in line)
    assert "due" in header and "to green" in header and "best cold" in header
    out = run.invoke(main, ["review", "-w", str(ws), "--date", "2099-01-01"]).output
    assert "Due today (2099-01-01)" in out and "part2" in out and "passed after hints" in out


def test_a_damaged_review_field_is_reset_with_a_warning(tmp_path):
    ws = tmp_path
    (ws / STATE_FILE).write_text(json.dumps({"version": 1, "katas": {"part1": {"review_events": "lots",
                                                                              "round_fails": -1}},
                                             "interviews": "none", "interview": 3}))
    warnings = []
    state = read_state(ws, warn=warnings.append)
    assert state["katas"]["part1"]["review_events"] == [] and state["katas"]["part1"]["round_fails"] == 0
    assert state["interviews"] == [] and state["interview"] is None
    assert warnings and "damaged" in warnings[0]
