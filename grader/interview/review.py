"""What to practise today: a Leitner schedule over the learner's own record.

Every kata's record keeps review events (grader.workspace.state): a practice
pass (a grade that passes after anything but a pass), with the hints seen, the
reference shown and the failing grades since the last pass; and each part of a
submitted interview, passed or not. Each event is one outcome:

    cold      passed in an interview, or in practice with no hint, no reference and no failing grade
    retried   passed in practice with no help, after failing grades
    assisted  passed in practice after a hint or the reference
    failed    not passed in an interview

and moves the kata between five boxes, each with its interval:

    box         1      2      3      4       5
    interval    1 day  3 days 7 days 14 days 30 days

A kata starts in box 1. cold moves it up one box (out of the rotation, as far as
box 5), but only once it is due: passing again before then keeps its box and
its date. retried keeps the box; assisted and failed send it back to box 1, so
it comes back the next day. The kata is due on the date of its last event plus
its box's interval.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from grader.interview.clock import current, minutes_seconds
from grader.workspace.state import kata_entry

INTERVALS = {1: 1, 2: 3, 3: 7, 4: 14, 5: 30}
MAX_BOX = max(INTERVALS)
OUTCOMES = ("cold", "retried", "assisted", "failed")


def clock_today() -> date:
    """Today by the interview's clock (the system's, unless KATA_CLOCK_FILE says otherwise)."""
    return date.fromtimestamp(current().now())


def outcome(event: dict) -> str:
    if event.get("source") == "interview":
        return "cold" if event.get("passed") else "failed"
    if event.get("solution") or event.get("hints"):
        return "assisted"
    return "retried" if event.get("fails") else "cold"


def event_time(event: dict) -> datetime | None:
    try:
        return datetime.strptime(str(event.get("at")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


@dataclass
class Schedule:
    box: int = 1
    due: date | None = None          # None: never passed nor tried in an interview
    last: date | None = None
    last_outcome: str | None = None
    last_source: str | None = None
    events: int = 0


def schedule(events: list[dict]) -> Schedule:
    s = Schedule()
    dated = sorted(((t, e) for e in events if (t := event_time(e)) is not None), key=lambda te: te[0])
    for t, e in dated:
        day, result = t.date(), outcome(e)
        if result == "cold":
            if s.due is None or day >= s.due:
                s.box = min(s.box + 1, MAX_BOX)
                s.due = day + timedelta(days=INTERVALS[s.box])
        elif result == "retried":
            s.due = day + timedelta(days=INTERVALS[s.box])
        else:
            s.box = 1
            s.due = day + timedelta(days=INTERVALS[1])
        s.last, s.last_outcome, s.last_source = day, result, e.get("source")
        s.events += 1
    return s


@dataclass
class Item:
    kata: object
    schedule: Schedule
    days: int | None                 # days until due (0 or less: due); None: not scheduled
    reason: str


def _reason(s: Schedule) -> str:
    if s.last is None:
        return ""
    where = {"cold": "passed cold", "retried": "passed after failing grades", "assisted": "passed after hints",
             "failed": "failed in an interview"}[s.last_outcome]
    if s.last_outcome == "cold" and s.last_source == "interview":
        where = "passed in an interview"
    return f"{where} on {s.last.isoformat()} (box {s.box}: every {INTERVALS[s.box]} d)"


@dataclass
class Plan:
    due: list[Item]                  # due today or overdue, most urgent first
    upcoming: list[Item]             # scheduled later, soonest first
    learning: list[Item]             # started, never passed yet
    new: list[Item]                  # never graded


def plan(catalog, state: dict, today: date) -> Plan:
    due, upcoming, learning, new = [], [], [], []
    for kata in catalog:
        entry = kata_entry(state, kata.id)
        s = schedule(entry["review_events"])
        if s.due is None:
            item = Item(kata, s, None, "")
            (learning if entry["attempts"] else new).append(item)
            continue
        item = Item(kata, s, (s.due - today).days, _reason(s))
        (due if item.days <= 0 else upcoming).append(item)
    due.sort(key=lambda i: (i.schedule.box, i.days, i.kata.order))
    upcoming.sort(key=lambda i: (i.days, i.kata.order))
    return Plan(due, upcoming, learning, new)


# -- the extra columns of `kata list` -------------------------------------------------

def span(seconds: float | None) -> str:
    """A duration in a few characters: 45s, 12m, 3h05m, 2d04h."""
    if seconds is None or seconds < 0:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def due_text(item_days: int | None, scheduled: bool, attempted: bool) -> str:
    if not scheduled:
        return "now" if attempted else "new"
    if item_days <= 0:
        return "today" if item_days == 0 else f"today (+{-item_days}d)"
    return f"in {item_days}d"


def time_to_green(entry: dict) -> float | None:
    start, end = event_time({"at": entry["first_graded"]}), event_time({"at": entry["first_passed"]})
    return (end - start).total_seconds() if start and end and end >= start else None


def best_cold(entry: dict) -> float | None:
    times = [e.get("seconds") for e in entry["review_events"]
             if e.get("source") == "interview" and e.get("passed") and isinstance(e.get("seconds"), (int, float))]
    return min(times) if times else None


LIST_HEADERS = ("due", "to green", "best cold")


def list_columns(catalog, state: dict, today: date | None = None) -> dict[str, tuple[str, str, str]]:
    """kata id -> (due, time to green, best time cold) for `kata list`."""
    today = today or clock_today()
    out = {}
    for kata in catalog:
        entry = kata_entry(state, kata.id)
        s = schedule(entry["review_events"])
        days = (s.due - today).days if s.due else None
        cold = best_cold(entry)
        out[kata.id] = (due_text(days, s.due is not None, bool(entry["attempts"])), span(time_to_green(entry)),
                        minutes_seconds(cold) if cold is not None else "-")
    return out
