"""The scorecard of one interview, from its record and its grade.

Each rubric dimension gets a verdict from signals, each for or against:

- shapes: the shapes said aloud (one signal: at least 90% right), the checks the
  parts' interview.toml list under [rubric] shapes, the follow-ups on shapes;
- one 1/B, verification, pitfalls: the same from their checks and follow-ups;
- in every dimension, a named mistake (a diagnosis) the grade found in a check
  not listed for it, when katas/interview.toml's [rubric.diagnoses] files it there.

A check that did not run because its part was not done says nothing either way.
All signals for: strong; at least 60%: mixed; fewer: weak; none: not shown.
"""
from __future__ import annotations

from grader import __version__
from grader.interview import record
from grader.interview.clock import minutes_seconds
from grader.interview.content import DIMENSIONS, InterviewContent
from grader.interview.spoken import LETTERS, number_ok, parse_choice, parse_number, show_shape
from grader.model.interview import (ClarifyingItem, Dimension, Evidence, Finding, FollowUpItem, HintText,
                                    HistoryPoint, InterviewLine, PartScore, Scorecard, ShapeItem)
from grader.model.results import PASS, WARN, GradeReport, KataResult, clean_text
from grader.model.problems import hint_levels

SHAPES_RIGHT = 0.9     # the share of shapes said right that counts for the shapes dimension
MIXED = 0.6            # below this share of signals for, a dimension is weak


def verdict(signals: list[bool | None]) -> str:
    shown = [s for s in signals if s is not None]
    if not shown:
        return "not shown"
    share = sum(shown) / len(shown)
    return "strong" if share == 1 else ("mixed" if share >= MIXED else "weak")


def _display(stamp) -> str:
    return stamp[:16].replace("T", " ") if isinstance(stamp, str) else ""


def followup_items(session: dict, content: InterviewContent, answers: list[str | None]) -> list[FollowUpItem]:
    by_id = {q.id: q for q in content.followups}
    items = []
    for n, chosen in enumerate(session["followups"], 1):
        q = by_id.get(chosen["id"])
        if q is None:
            continue
        said = answers[n - 1] if n - 1 < len(answers) else None
        said = clean_text((said or "").strip())[:80]
        if q.kind == "choice":
            order = [i for i in chosen["order"] if isinstance(i, int) and 0 <= i < len(q.choices)]
            if sorted(order) != list(range(len(q.choices))):
                order = list(range(len(q.choices)))
            shown = [q.choices[i] for i in order]
            right = order.index(int(q.answer))
            pick = parse_choice(said, len(shown)) if said else None
            given = f"{LETTERS[pick]}) {shown[pick]}" if pick is not None else (f"{said!r} (not an option)" if said else "")
            items.append(FollowUpItem(len(items) + 1, q.id, q.part, q.dimension, q.kind, q.question, shown, given,
                                      pick == right, f"{LETTERS[right]}) {shown[right]}", q.explanation))
        else:
            value = parse_number(said) if said else None
            given = said if value is not None else (f"{said!r} (not a number)" if said else "")
            items.append(FollowUpItem(len(items) + 1, q.id, q.part, q.dimension, q.kind, q.question, [], given,
                                      number_ok(q, value), f"{q.answer:g}", q.explanation, q.unit))
    return items


def _hints(kata, levels) -> list[HintText]:
    out = []
    for level in dict.fromkeys(lv for lv in levels if lv):
        if kata is not None and 0 < level <= len(kata.hints):
            h = kata.hints[level - 1]
            out.append(HintText(level, h.title, h.text.strip()))
    return out


def findings(report: GradeReport, catalog) -> list[Finding]:
    out = []
    for result in report.katas:
        kata = catalog.find(result.id)
        if result.status.value == "not-implemented":
            out.append(Finding(result.id, "not-implemented", "Not done", "error",
                               f"{', '.join(result.not_implemented) or 'the functions'} still raise "
                               "NotImplementedError: this part was not done in time", hints=_hints(kata, [1])))
            continue
        # Each named mistake once, with the checks it explains; then the checks that name none.
        named: dict[str, Finding] = {}
        plain = []
        for c in result.checks:
            if c.status == PASS or c.waiting:
                continue
            if not c.diagnoses:
                plain.append(Finding(result.id, c.name, c.title, c.status.value, c.message, list(c.details),
                                     [], _hints(kata, hint_levels(c)), [c.name]))
                continue
            for d in c.diagnoses:
                if d.id in named:
                    named[d.id].checks.append(c.name)
                else:
                    named[d.id] = Finding(result.id, c.name, d.name or d.id, c.status.value, c.message,
                                          list(c.details), [d], _hints(kata, [d.hint]), [c.name])
        out += list(named.values()) + plain
    return out


def _check_signal(result: KataResult, name: str) -> tuple[bool | None, object]:
    check = next((c for c in result.checks if c.name == name), None)
    if check is None or check.waiting:
        return None, check
    return check.ok, check


def dimensions(session: dict, content: InterviewContent, report: GradeReport, shapes: list[ShapeItem],
               followups: list[FollowUpItem]) -> list[Dimension]:
    results = {r.id: r for r in report.katas}
    out = []
    for dim, title in DIMENSIONS.items():
        signals, evidence = [], []
        if dim == "shapes" and shapes:
            right = sum(s.ok for s in shapes)
            ok = right >= SHAPES_RIGHT * len(shapes)
            wrong = [f"{s.part} {s.tensor}" for s in shapes if not s.ok]
            signals.append(ok)
            evidence.append(Evidence(ok, f"said {right} of {len(shapes)} shapes right"
                                         + (f"; wrong or not said: {', '.join(wrong[:4])}"
                                            + (f" and {len(wrong) - 4} more" if len(wrong) > 4 else "")
                                            if wrong else "")))
        listed, seen = set(), set()
        for part in session["parts"]:
            result = results.get(part)
            names = content.part(part).rubric.get(dim, [])
            if result is None or not names:
                continue
            passed, unseen = [], []
            for name in names:
                ok, check = _check_signal(result, name)
                listed.add((part, name))
                if ok is None:
                    unseen.append(name)
                elif ok:
                    passed.append(name + (" (warning)" if check.status == WARN else ""))
                found = [d for d in check.diagnoses if d.id != "not-implemented"] if ok is False else []
                named = ", ".join(d.name for d in found)
                elsewhere = {content.diagnosis_dimensions.get(d.id) for d in found}
                if found and None not in elsewhere and dim not in elsewhere:
                    # It stopped at a mistake of another dimension (a transposed gradient fails the
                    # batch-scaling check on its shape): that dimension counts it, this one cannot tell.
                    ok = None
                    evidence.append(Evidence(None, f"{part} {name}: not judged, it stopped at {named} "
                                                   f"({', '.join(sorted(elsewhere))})"))
                elif ok is False:
                    seen.update((part, d.id) for d in found)
                    evidence.append(Evidence(False, f"{part} {name}: {check.message}"
                                                    + (f" [{named}]" if named else "")))
                signals.append(ok)
            if passed:
                evidence.append(Evidence(True, f"{part}: {', '.join(passed)} passed"))
            if unseen:
                evidence.append(Evidence(None, f"{part}: {', '.join(unseen)} not run (the part is not done)"))
        for result in report.katas:
            for c in result.checks:
                if (result.id, c.name) in listed or c.ok:
                    continue
                for d in c.diagnoses:
                    if content.diagnosis_dimensions.get(d.id) == dim and (result.id, d.id) not in seen:
                        seen.add((result.id, d.id))
                        signals.append(False)
                        evidence.append(Evidence(False, f"{result.id} {c.name}: {d.name}"
                                                        + (f": {d.evidence}" if d.evidence else "")))
        for f in followups:
            if f.dimension == dim:
                signals.append(f.correct)
                evidence.append(Evidence(f.correct, f"follow-up {f.number} ({f.id}): "
                                                    + ("right" if f.correct else "not answered" if not f.given
                                                       else "wrong")))
        out.append(Dimension(dim, title, verdict(signals), evidence))
    return out


def clarifying_items(session: dict, content: InterviewContent, report: GradeReport) -> list[ClarifyingItem]:
    by_id = {q.id: q for q in content.clarifying}
    asked = set(session["clarifying"].get("asked") or [])
    found: dict[str, list[str]] = {}
    for result in report.katas:
        for c in result.checks:
            for d in c.diagnoses:
                found.setdefault(d.id, [])
                label = f"{d.name} in {result.id}"
                if label not in found[d.id]:
                    found[d.id].append(label)
    items = []
    for qid in session["clarifying"].get("shown") or []:
        q = by_id.get(qid)
        if q is None:
            continue
        hit = [label for d in q.diagnoses for label in found.get(d, [])] if q.important and qid not in asked else []
        items.append(ClarifyingItem(q.id, q.question, q.answer, q.important, qid in asked, q.prevents, hit))
    return items


def shape_items(session: dict, content: InterviewContent) -> list[ShapeItem]:
    items = []
    for part in session["parts"]:
        pc = content.part(part)
        said = session["parts_state"][part].get("shapes")
        if said is None:
            continue
        answered = {s.get("tensor"): s for s in said}
        for prompt in pc.shapes:
            s = answered.get(prompt.tensor)
            if s is None and not session["parts_state"][part].get("shapes_done"):
                # Not reached before the time ran out: not said.
                s = {"given": "", "ok": False}
            if s is None:
                continue
            items.append(ShapeItem(part, prompt.tensor, show_shape(prompt.answer, pc.interview_sizes),
                                   clean_text(str(s["given"]))[:80], bool(s["ok"]), prompt.why))
    return items


def part_scores(session: dict, report: GradeReport, now: float, late: dict[str, float]) -> list[PartScore]:
    out = []
    for result in report.katas:
        seconds = record.part_seconds(session, result.id, now)
        counts = result.counts()
        note = ""
        if seconds is None:
            note = "not opened"
        elif result.status.value == "not-implemented":
            note = "still the stub" if not counts["pass"] else "partly done"
        if result.id in late:
            note = (note + "; " if note else "") + f"edited {minutes_seconds(late[result.id])} after the time was up"
        out.append(PartScore(result.id, result.alias, result.title, result.status.value, result.passed, seconds,
                             counts["fail"] + counts["error"], len(result.checks), note))
    return out


def history_points(previous: list[dict], card: Scorecard | None = None) -> list[HistoryPoint]:
    points = []
    for item in previous:
        if item.get("status") != "submitted":
            continue
        parts = [p for p in item.get("parts", []) if isinstance(p, dict)] if isinstance(item.get("parts"), list) else []
        right, total = _pair(item.get("followups"))
        score, used = item.get("rubric_score"), item.get("used_s")
        points.append(HistoryPoint(len(points) + 1, str(item.get("id", "?")), _display(item.get("started")),
                                   sum(bool(p.get("passed")) for p in parts), len(parts),
                                   float(score) if isinstance(score, (int, float)) and not isinstance(score, bool)
                                   else None, right, total,
                                   float(used) if isinstance(used, (int, float)) else 0.0))
    if card is not None:
        points.append(HistoryPoint(len(points) + 1, card.id, card.started, card.parts_passed, len(card.parts),
                                   card.rubric_score, card.followups_right, len(card.followups), card.used_s,
                                   current=True))
    return points


def _pair(value) -> tuple[int, int]:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    return 0, 0


def history_lines(previous: list[dict]) -> list[InterviewLine]:
    """Every interview of the record, submitted or abandoned, for `kata interview history`."""
    lines, n = [], 0
    for item in previous:
        status = item.get("status")
        if status not in ("submitted", "abandoned"):
            continue
        parts = [p for p in item.get("parts", []) if isinstance(p, dict)] if isinstance(item.get("parts"), list) else []
        n += status == "submitted"
        rubric = item.get("rubric") if isinstance(item.get("rubric"), dict) else {}
        right, total = _pair(item.get("followups"))
        used = item.get("used_s")
        lines.append(InterviewLine(n if status == "submitted" else None, str(item.get("id", "?")),
                                   _display(item.get("started")) or "?", status,
                                   sum(bool(p.get("passed")) for p in parts), len(parts),
                                   float(used) if isinstance(used, (int, float)) else None,
                                   {k: str(v) for k, v in rubric.items()}, right, total))
    return lines


def build(session: dict, content: InterviewContent, catalog, report: GradeReport, answers: list[str | None],
          now: float, time_up: bool, previous: list[dict], late: dict[str, float]) -> Scorecard:
    end = min(now, record.deadline(session))
    shapes = shape_items(session, content)
    followups = followup_items(session, content, answers)
    card = Scorecard(
        id=session["id"], started=_display(session.get("started")), minutes=session["minutes"],
        used_s=max(0.0, end - session["started_at"]), time_up=time_up, seed=session["seed"],
        folder=session["folder"], parts=part_scores(session, report, now, late),
        rubric=dimensions(session, content, report, shapes, followups),
        clarifying=clarifying_items(session, content, report), shapes=shapes, followups=followups,
        findings=findings(report, catalog), late_edits=sorted(late), tool_version=__version__,
        isolation=report.isolation)
    card.history = history_points(previous, card)
    return card


def review_events(card: Scorecard, stamp: str) -> dict[str, dict]:
    """Each part's result as a review event: an interview is always cold."""
    return {p.id: {"at": stamp, "source": "interview", "passed": p.passed, "seconds": p.seconds,
                   "interview": card.id} for p in card.parts}
