"""`kata repro`: grade a kata once more with every learner call recorded, pick the
call its failing check is about, and write that case for the learner to debug.

grader.grading.repro_record records the calls, grader.grading.repro_replay picks one
and computes what correct code returns for it, grader.grading.repro_case writes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.curriculum import loading
from grader.curriculum.kata import Kata
from grader.grading.repro_case import REPRO_DIR, write_case
from grader.grading.repro_record import grade_recorded
from grader.grading.repro_replay import Replay, ReproError, choose_call
from grader.model.results import ERROR, FAIL, WARN, KataResult



def failing_check(result: KataResult):
    """The first check that failed on the learner's results (not a stub, not the grader)."""
    for c in result.checks:
        if c.status in (FAIL, ERROR) and not c.waiting and not c.internal and c.name not in ("load", "functions"):
            return c
    return None


# -- the whole command, as a library call ------------------------------------------


@dataclass
class Outcome:
    """What `kata repro` did: `case` written, or `nothing` (the kata passes), or `reason`
    (why the case cannot be a script)."""
    result: KataResult
    seed: int
    check: str | None = None
    case: object = None          # a repro_case.Case
    why: str = ""
    reason: str | None = None
    nothing: bool = False
    warned: list[str] = field(default_factory=list)   # checks that passed with a warning


def last_seed(workspace: Path, kata_id: str) -> int | None:
    """The seed of the kata's last grade, where the workspace's record keeps one."""
    from grader.workspace.state import kata_entry, read_state

    seed = kata_entry(read_state(workspace), kata_id).get("last_seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else None


def reproduce(kata: Kata, workspace: Path, seed: int, check: str | None = None) -> Outcome:
    """Grade `kata` at `seed`, pick the failing check (or `check`) and the call it is
    about, and write that case under the workspace's REPRO_DIR."""
    result, recorder = grade_recorded(kata, workspace, seed, only=[check] if check else None)
    outcome = Outcome(result, seed)
    chosen = next((c for c in result.checks if c.name == check), None) if check else failing_check(result)
    if chosen is None:
        if result.fatal:
            outcome.reason = f"{kata.learner_file} could not be graded: {result.fatal}"
        elif any(c.waiting for c in result.checks):
            outcome.reason = (f"{', '.join(result.stubbed) or 'your functions'} still raise NotImplementedError: "
                              "there is no case to reproduce until they return something")
        else:
            outcome.nothing = True
            outcome.warned = [c.name for c in result.checks if c.status == WARN]
        return outcome
    outcome.check = chosen.name
    if chosen.name == loading.NUMPY_ONLY[0]:
        outcome.reason = (f"check {chosen.name} is about what {kata.learner_file} imports, not about an input, so "
                          f"there is no case to run: {chosen.message}")
        return outcome
    if chosen.waiting:
        outcome.reason = f"check {chosen.name} is waiting for a function that still raises NotImplementedError"
        return outcome
    calls = recorder.calls.get(chosen.name, [])
    try:
        replay = Replay(kata, calls)
        call, outcome.why = choose_call(replay, failed=chosen.status in (FAIL, ERROR, WARN))
        outcome.case = write_case(workspace, kata, chosen.name, seed, call, replay, outcome.why)
    except ReproError as exc:
        outcome.reason = f"check {chosen.name} cannot be written as a script: {exc}"
    return outcome
