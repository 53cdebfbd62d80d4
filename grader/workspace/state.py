"""The workspace's progress record, `.kata-workspace.json`.

Rules:
- it is written atomically (a reader, or a process killed at any moment, sees the
  old file or the new one, never half of one);
- a damaged or hand-edited record gives a warning and a sanitised state, never a
  crash: every reader goes through `read_state`;
- read-modify-write holds an exclusive lock on a lock file, so two `kata`
  processes in one workspace cannot lose each other's updates.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from grader.fsutil import write_atomic
from grader.workspace.backups import backup_files

STATE_FILE = ".kata-workspace.json"
LOCK_FILE = ".kata-workspace.lock"
STATE_VERSION = 1


def _is_count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_opt_count(v) -> bool:
    return v is None or _is_count(v)


def _is_opt_str(v) -> bool:
    return v is None or isinstance(v, str)


def _is_bool(v) -> bool:
    return isinstance(v, bool)


def _is_events(v) -> bool:
    return isinstance(v, list) and all(isinstance(e, dict) and isinstance(e.get("at"), str)
                                       and e.get("source") in ("practice", "interview") for e in v)


# Every field a kata entry may hold: (valid?, default). Unknown keys are kept as they
# are (a newer version may have written them) but nothing here reads them.
_ENTRY_FIELDS = {
    "attempts": (_is_count, 0),
    "hints_seen": (_is_count, 0),
    "status": (_is_opt_str, None),           # a KataResult.status of the last grade
    "checks_total": (_is_opt_count, None),
    "checks_failing": (_is_opt_count, None),
    "fatal": (_is_opt_str, None),
    "first_passed": (_is_opt_str, None),     # timestamp of the first passing grade
    "last_graded": (_is_opt_str, None),
    "last_seed": (_is_opt_count, None),      # the seed of the last grade: `kata repro` reproduces it
    "solution_viewed": (_is_opt_str, None),  # timestamp of the first `kata solution`
    # What the review schedule (grader.interview.review) reads: facts, not the schedule itself.
    "first_graded": (_is_opt_str, None),     # timestamp of the first grade: time-to-green starts here
    "round_fails": (_is_count, 0),           # failing grades since the last pass
    "round_hints": (_is_count, 0),           # hints shown since the last pass
    "round_solution": (_is_bool, False),     # the reference shown since the last pass
    "review_events": (_is_events, []),       # passes (practice) and interview results, oldest first
}
MAX_REVIEW_EVENTS = 50  # per kata: the schedule needs the recent ones only


def new_state() -> dict:
    return {"version": STATE_VERSION, "created": _now(), "katas": {}}


def _new_entry() -> dict:
    return {key: _fresh(default) for key, (_, default) in _ENTRY_FIELDS.items()}


def _fresh(default):
    return list(default) if isinstance(default, list) else default


def entry_of(state: dict, kata_id: str) -> dict:
    return state["katas"].setdefault(kata_id, _new_entry())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def sanitize_state(raw) -> tuple[dict, list[str]]:
    """Return a state in which every known field has its expected type, and what was wrong.

    Wrong values are replaced by their defaults, one field at a time, so a single
    bad value does not throw away the rest of the learner's progress.
    """
    if not isinstance(raw, dict):
        return new_state(), [f"the file holds a {type(raw).__name__}, not an object"]
    problems = []
    state = dict(raw)
    if not _is_count(state.get("version")):
        if "version" in state:
            problems.append(f"version is {state['version']!r}")
        state["version"] = STATE_VERSION
    if not isinstance(state.get("created"), str):
        state["created"] = _now()
    katas = state.get("katas")
    if not isinstance(katas, dict):
        problems.append(f"katas is {_short(katas)}, not an object")
        katas = {}
    clean = {}
    for kata_id, entry in katas.items():
        if not isinstance(entry, dict):
            problems.append(f"katas.{kata_id} is {_short(entry)}, not an object")
            continue
        fixed = dict(entry)
        for key, (valid, default) in _ENTRY_FIELDS.items():
            if key not in fixed:
                fixed[key] = _fresh(default)
            elif not valid(fixed[key]):
                problems.append(f"katas.{kata_id}.{key} is {_short(fixed[key])}")
                fixed[key] = _fresh(default)
        clean[kata_id] = fixed
    state["katas"] = clean
    # The mock interview (grader.interview.record): the one in progress, and the finished ones.
    if state.get("interview") is not None and not isinstance(state["interview"], dict):
        problems.append(f"interview is {_short(state['interview'])}, not an object")
        state["interview"] = None
    if "interviews" in state and not (isinstance(state["interviews"], list)
                                      and all(isinstance(i, dict) for i in state["interviews"])):
        problems.append(f"interviews is {_short(state['interviews'])}, not a list of objects")
        state["interviews"] = [i for i in state["interviews"] if isinstance(i, dict)] \
            if isinstance(state["interviews"], list) else []
    return state, problems


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _load(workspace: Path) -> tuple[dict, list[str]]:
    path = Path(workspace) / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return new_state(), []
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        return new_state(), [f"unreadable ({exc})"]
    return sanitize_state(raw)


def _warning(workspace: Path, problems: list[str]) -> str:
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return (f"warning: {Path(workspace) / STATE_FILE} is damaged ({shown}); "
            "ignoring the bad parts and carrying on with the rest of your progress")


def read_state(workspace: Path, warn=None) -> dict:
    """The workspace's progress record, sanitised. Never raises for a bad file."""
    state, problems = _load(workspace)
    if problems and warn:
        warn(_warning(workspace, problems))
    return state


def write_state(workspace: Path, state: dict) -> None:
    """Atomic: a reader sees the old file or the new one, never half of one."""
    write_atomic(Path(workspace) / STATE_FILE, json.dumps(state, indent=2, sort_keys=True))


@contextmanager
def locked(workspace: Path):
    """Hold an exclusive lock on the workspace's lock file.

    flock is advisory and per open file; the kernel drops it when the process
    exits, so a `kata` killed mid-update never leaves the workspace locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, atomic writes still hold
        yield
        return
    fd = os.open(Path(workspace) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def update_state(workspace: Path, change, warn=None) -> dict:
    """Read, `change(state)` in place, write: one locked step. Returns the new state.

    If the old file was damaged, a copy of it goes into `.kata-backups/` before the
    sanitised state replaces it, so a hand edit is never silently lost.
    """
    workspace = Path(workspace)
    with locked(workspace):
        state, problems = _load(workspace)
        if problems:
            message = _warning(workspace, problems)
            if (workspace / STATE_FILE).is_file():
                copy = backup_files(workspace, [STATE_FILE]) / STATE_FILE
                message += f"; the damaged file was copied to {copy}"
            if warn:
                warn(message)
        change(state)
        write_state(workspace, state)
    return state


def record_grades(workspace: Path, kata_results, warn=None, seed: int | None = None) -> dict:
    """Fold one grading run (made with `seed`) into the workspace's progress record."""
    def fold(state):
        for r in kata_results:
            entry = entry_of(state, r.id)
            counts = r.counts()
            _fold_round(entry, r)
            entry["attempts"] += 1
            entry["status"] = r.status.value
            entry["checks_total"] = len(r.checks)
            entry["checks_failing"] = counts["fail"] + counts["error"]
            entry["fatal"] = r.fatal
            entry["last_graded"] = _now()
            entry["last_seed"] = seed
            if r.passed and not entry["first_passed"]:
                entry["first_passed"] = entry["last_graded"]
    return update_state(workspace, fold, warn)


def _fold_round(entry: dict, result) -> None:
    """A pass that follows anything but a pass ends a practice round: it becomes a review
    event, with what helped since the last one. A failing grade counts against the round."""
    now = _now()
    entry["first_graded"] = entry["first_graded"] or now
    if result.passed and entry["status"] != "passed":
        event = {"at": now, "source": "practice", "hints": entry["round_hints"],
                 "solution": entry["round_solution"], "fails": entry["round_fails"]}
        entry["review_events"] = (entry["review_events"] + [event])[-MAX_REVIEW_EVENTS:]
        entry.update(round_fails=0, round_hints=0, round_solution=False)
    elif result.status.value in ("failed", "error"):
        entry["round_fails"] += 1


def record_hints_seen(workspace: Path, kata_id: str, level: int, warn=None) -> dict:
    """Remember that hints 1..level of a kata have been shown (never lowers the count)."""
    def seen(state):
        entry = entry_of(state, kata_id)
        entry["hints_seen"] = max(entry["hints_seen"], level)
        entry["round_hints"] += 1
    return update_state(workspace, seen, warn)


def record_solution_viewed(workspace: Path, kata_id: str, warn=None) -> dict:
    """Remember when the reference solution of a kata was first shown."""
    def viewed(state):
        entry = entry_of(state, kata_id)
        entry["solution_viewed"] = entry["solution_viewed"] or _now()
        entry["round_solution"] = True
    return update_state(workspace, viewed, warn)


def kata_entry(state: dict, kata_id: str) -> dict:
    """A kata's progress entry with every field present (a fresh one if never touched)."""
    return state["katas"].get(kata_id) or _new_entry()
