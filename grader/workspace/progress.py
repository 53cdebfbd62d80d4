"""A learner's progress, as the learner commands show it: the table of `kata list`,
what to do next, which hint comes next, whether the reference may be shown."""
from __future__ import annotations

from dataclasses import dataclass, field

from grader.workspace.state import kata_entry


def one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def when(stamp: str | None) -> str:
    """A recorded timestamp, shortened to minutes."""
    from datetime import datetime

    if not stamp:
        return ""
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").strftime("%Y-%m-%d %H:%M")
    except ValueError:  # hand-edited: show what is there
        return one_line(stamp, 20)


def status_text(entry) -> str:
    """The last grade in a few words: not started, failing k of n checks, passed, ..."""
    status = entry["status"]
    if status == "passed":
        return "passed"
    if status == "not-implemented":
        return "not implemented yet"
    if status is None:
        return "reset to the stub" if entry["attempts"] else "not started"
    if entry["fatal"]:
        return "stopped"
    if entry["checks_failing"] is None or entry["checks_total"] is None:  # a hand-edited record
        return "failing"
    return f"failing {entry['checks_failing']} of {entry['checks_total']} checks"


@dataclass
class Row:
    kata: object
    entry: dict
    mark: str                      # → the next kata to do, ✓ passed
    status: str
    hints: str                     # "2/4": levels seen of those available
    first_passed: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Progress:
    rows: list[Row]
    todo: object | None            # the first kata not passed yet
    passed: int

    def next_step(self) -> str:
        if self.todo is None:
            return "all katas passed: try `kata questions` for the interviewer's follow-ups"
        kata = self.todo
        status = next(r.entry["status"] for r in self.rows if r.kata is kata)
        if status in (None, "not-implemented"):
            return (f"next: {kata.id} ({kata.alias}): `kata show {kata.id}`, edit {kata.learner_file}, "
                    f"then `kata grade {kata.id}`")
        return f"next: kata grade {kata.id} (stuck? `kata hint {kata.id}`)"


def progress(catalog, state) -> Progress:
    entries = {k.id: kata_entry(state, k.id) for k in catalog}
    todo = next((k for k in catalog if entries[k.id]["status"] != "passed"), None)
    rows = []
    for k in catalog:
        e = entries[k.id]
        row = Row(k, e, "→" if k is todo else ("✓" if e["status"] == "passed" else ""), status_text(e),
                  f"{min(e['hints_seen'], len(k.hints))}/{len(k.hints)}", when(e["first_passed"]) or "-")
        if e["status"] != "passed" and e["fatal"]:
            row.notes.append("↳ " + one_line(e["fatal"], 100))
        if e["solution_viewed"]:
            row.notes.append("↳ solution viewed " + when(e["solution_viewed"]))
        rows.append(row)
    return Progress(rows, todo, sum(e["status"] == "passed" for e in entries.values()))


def hints_to_show(total: int, seen: int, all_: bool = False, level: int | None = None) -> list[int]:
    """The hint levels one `kata hint` shows: all, the one asked for, or the next unseen."""
    if all_:
        return list(range(1, total + 1))
    if level:
        return [level]
    return [min(seen + 1, total)]


def solution_passed(state, kata_id: str) -> bool:
    """Passed at least once: the reference may be shown without asking."""
    return bool(kata_entry(state, kata_id)["first_passed"])
