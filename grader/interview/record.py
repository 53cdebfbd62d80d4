"""The interview in the workspace's record (`.kata-workspace.json`).

`state["interview"]` is the one in progress (at most one), `state["interviews"]`
the finished and abandoned ones, oldest first. Every change goes through
`update_state`, so it is atomic and locked like the rest of the record, and
two terminals (one in the interview, one running `kata interview status`)
see the same interview.

The one in progress:

    id, folder (relative to the workspace), started_at (seconds since the epoch),
    started (a timestamp), minutes, parts, seed,
    clarifying: {shown: [ids, in the order shown], asked: [ids] or null before the learner chose},
    current: the part being worked on (or null),
    parts_state: {part: {intervals: [[start, end or null]], shapes: [{tensor, given, ok}] or null,
                         shapes_done: bool}},
    checks: [{part, at, ok, summary}]          every `kata interview check`
    followups: [{id, order}]                   the questions chosen, each option order
    stubs: {part: sha256 of the stub}          to tell an edited file from an untouched one
"""
from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

from grader.interview.clock import local_stamp
from grader.workspace.state import MAX_REVIEW_EVENTS, entry_of, read_state, update_state

FOLDER = "interviews"
VERSION = 1


class InterviewError(Exception):
    """Something the learner must sort out first (exit status 2)."""


class Damaged(InterviewError):
    """The interview in progress cannot be read back; abandoning it is the way out."""


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


# -- reading, with every field checked ----------------------------------------------

def _need(ok: bool, what: str) -> None:
    if not ok:
        raise Damaged(f"the interview in progress in the workspace's record is damaged ({what}); "
                      "`kata interview abandon` sets it aside (its folder is kept)")


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check(session: dict) -> dict:
    """`session` as read from the record, with every field the commands use checked."""
    _need(isinstance(session, dict), "not an object")
    for key, test in (("id", lambda v: isinstance(v, str) and v), ("folder", lambda v: isinstance(v, str) and v),
                      ("started_at", _num), ("minutes", lambda v: _num(v) and v > 0),
                      ("parts", lambda v: isinstance(v, list) and v and all(isinstance(p, str) for p in v)),
                      ("seed", lambda v: isinstance(v, int) and not isinstance(v, bool)),
                      ("parts_state", lambda v: isinstance(v, dict)), ("checks", lambda v: isinstance(v, list)),
                      ("followups", lambda v: isinstance(v, list)), ("clarifying", lambda v: isinstance(v, dict)),
                      ("stubs", lambda v: isinstance(v, dict))):
        _need(key in session and test(session[key]), key)
    _need(session.get("current") is None or session["current"] in session["parts"], "current")
    clar = session["clarifying"]
    _need(isinstance(clar.get("shown"), list) and (clar.get("asked") is None or isinstance(clar["asked"], list)),
          "clarifying")
    for part, ps in session["parts_state"].items():
        _need(part in session["parts"] and isinstance(ps, dict), f"parts_state.{part}")
        _need(isinstance(ps.get("intervals"), list) and all(
            isinstance(i, list) and len(i) == 2 and _num(i[0]) and (i[1] is None or _num(i[1]))
            for i in ps["intervals"]), f"parts_state.{part}.intervals")
        _need(ps.get("shapes") is None or (isinstance(ps["shapes"], list) and all(
            isinstance(s, dict) and isinstance(s.get("given"), str) and isinstance(s.get("ok"), bool)
            for s in ps["shapes"])), f"parts_state.{part}.shapes")
    _need(all(isinstance(f, dict) and isinstance(f.get("id"), str) and isinstance(f.get("order"), list)
              for f in session["followups"]), "followups")
    _need(all(isinstance(c, dict) and isinstance(c.get("part"), str) and isinstance(c.get("ok"), bool)
              for c in session["checks"]), "checks")
    return session


def active(workspace: Path, warn=None) -> dict | None:
    """The interview in progress, checked (Damaged if it cannot be read), or None."""
    session = read_state(workspace, warn=warn).get("interview")
    return None if session is None else check(session)


def history(workspace: Path, warn=None) -> list[dict]:
    return [i for i in read_state(workspace, warn=warn).get("interviews", []) if isinstance(i, dict)]


def deadline(session: dict) -> float:
    return session["started_at"] + 60.0 * session["minutes"]


def folder(workspace: Path, session: dict) -> Path:
    return Path(workspace) / session["folder"]


# -- starting -----------------------------------------------------------------------

def pick_followups(questions: list, count: int, rng: random.Random) -> list:
    """Up to `count` questions, taking the dimensions in turn so each is asked about
    (in a shuffled order within each dimension)."""
    by_dim: dict[str, list] = {}
    for q in questions:
        by_dim.setdefault(q.dimension, []).append(q)
    for qs in by_dim.values():
        rng.shuffle(qs)
    order = sorted(by_dim)
    rng.shuffle(order)
    picked = []
    while len(picked) < count and any(by_dim.values()):
        for dim in order:
            if by_dim[dim] and len(picked) < count:
                picked.append(by_dim[dim].pop())
    return picked


def start(workspace: Path, katas: list, content, minutes: float, seed: int, now: float, followups: int,
          warn=None) -> dict:
    """Make the interview's folder with fresh stubs and record the interview (clock started)."""
    workspace = Path(workspace)
    if read_state(workspace, warn=warn).get("interview") is not None:
        raise InterviewError("an interview is already in progress: `kata interview` resumes it, "
                             "`kata interview abandon` sets it aside")
    stamp = local_stamp(now)
    base = stamp[:19].replace("-", "").replace(":", "").replace("T", "-")
    name, n = base, 1
    while (workspace / FOLDER / name).exists():
        n += 1
        name = f"{base}-{n}"
    target = workspace / FOLDER / name
    target.mkdir(parents=True)
    stubs = {}
    for kata in katas:
        shutil.copyfile(kata.stub_path, target / kata.learner_file)
        stubs[kata.id] = digest(kata.stub_path)
    parts = [k.id for k in katas]
    rng = random.Random(seed)
    shown = [q.id for q in content.clarifying_for(parts)]
    rng.shuffle(shown)
    chosen = pick_followups(content.followups_for(parts), followups, rng)
    session = {
        "version": VERSION, "id": name, "folder": f"{FOLDER}/{name}", "started_at": now, "started": stamp,
        "minutes": float(minutes), "parts": parts, "seed": seed,
        "clarifying": {"shown": shown, "asked": None}, "current": None,
        "parts_state": {p: {"intervals": [], "shapes": None, "shapes_done": False} for p in parts},
        "checks": [], "followups": [{"id": q.id, "order": rng.sample(range(len(q.choices)), len(q.choices))}
                                    for q in chosen],
        "stubs": stubs,
    }

    def begin(state):
        if state.get("interview") is not None:  # another terminal was faster
            raise InterviewError("an interview is already in progress: `kata interview` resumes it")
        state["interview"] = session
    update_state(workspace, begin, warn)
    return session


# -- changing the one in progress ----------------------------------------------------

def change(workspace: Path, edit, warn=None) -> dict:
    """Apply `edit(session)` to the interview in progress, under the record's lock."""
    out = {}

    def apply(state):
        session = state.get("interview")
        if session is None:
            raise InterviewError("no interview is in progress (it may have been submitted or abandoned in "
                                 "another terminal): `kata interview` starts one")
        edit(check(session))
        out["session"] = session
    update_state(workspace, apply, warn)
    return out["session"]


def switch_part(session: dict, part: str | None, now: float) -> None:
    """Make `part` the one being worked on: the clock of the previous one stops."""
    current = session.get("current")
    if current == part:
        return
    if current is not None:
        _close(session["parts_state"][current], now)
    session["current"] = part
    if part is not None:
        session["parts_state"][part]["intervals"].append([now, None])


def _close(ps: dict, now: float) -> None:
    for interval in ps["intervals"]:
        if interval[1] is None:
            interval[1] = max(interval[0], now)


def part_seconds(session: dict, part: str, now: float) -> float | None:
    """Time spent on `part` so far (None if it was never opened), never past the deadline."""
    intervals = session["parts_state"].get(part, {}).get("intervals") or []
    if not intervals:
        return None
    end = min(now, deadline(session))
    return sum(max(0.0, min(b if b is not None else end, end) - a) for a, b in intervals)


def next_part(session: dict) -> str | None:
    """The first part not opened yet."""
    return next((p for p in session["parts"] if not session["parts_state"][p]["intervals"]), None)


# -- finishing ------------------------------------------------------------------------

def finish(workspace: Path, session_id: str, summary: dict, events: dict[str, dict], warn=None) -> None:
    """Move the interview in progress to the history, and give each part its review event."""
    def done(state):
        current = state.get("interview")
        if not isinstance(current, dict) or current.get("id") != session_id:
            raise InterviewError("this interview was already submitted or abandoned in another terminal")
        state["interview"] = None
        state.setdefault("interviews", []).append(summary)
        for kata_id, event in events.items():
            entry = entry_of(state, kata_id)
            entry["review_events"] = (entry["review_events"] + [event])[-MAX_REVIEW_EVENTS:]
    update_state(workspace, done, warn)


def abandon(workspace: Path, now: float, warn=None) -> dict | None:
    """Set the interview in progress aside (kept in the history as abandoned; its folder stays)."""
    out = {}

    def drop(state):
        session = state.get("interview")
        if session is None:
            return
        out["session"] = session
        state["interview"] = None
        if isinstance(session, dict):
            state.setdefault("interviews", []).append({
                "id": str(session.get("id", "?")), "status": "abandoned", "started": session.get("started"),
                "abandoned": local_stamp(now), "folder": session.get("folder"),
                "parts": [{"id": p} for p in session.get("parts", []) if isinstance(p, str)]})
    update_state(workspace, drop, warn)
    return out.get("session")
