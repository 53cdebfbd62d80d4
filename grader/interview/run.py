"""One mock interview, from the prompt to the scorecard.

`Interview` holds what every step needs (the workspace, the catalog, the
content, the clock, the terminal) and runs the steps:

1. start: a folder `interviews/<id>/` under the workspace with fresh stubs of the
   parts (the practice files are never touched), the clock started and recorded;
2. clarifying questions: the learner picks which to ask, the interviewer answers;
3. for each part: say the shapes (each checked, a wrong one shown with the right
   one), then code it in any editor, with `check`, `next`, `go PART`, `status`,
   `submit` and `quit` at the prompt;
4. submit (asked for, or when the time is up): the follow-ups, then a full grade
   of every part, the scorecard, the record.

Every step is saved in the workspace's record as it happens, so closing the
terminal loses nothing: `kata interview` picks up where it stopped, with the
clock still running.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.interview import record
from grader.interview.clock import local_stamp, minutes_seconds
from grader.interview.content import InterviewContent
from grader.interview.record import InterviewError
from grader.interview.spoken import LETTERS, parse_choice, parse_number, parse_picks, shape_ok, show_shape
from grader.interview.terminal import TimeUp
from grader.model.results import NOT_IMPLEMENTED, PASS, WARN

LOAD_ONLY = ["(load only)"]   # a check name no kata has: grading then only loads the file
NOTICES = (600, 300, 60)       # seconds left at which a waiting prompt says so
COMMANDS = """\
  check [PART]  run the quick checks an interviewer would run in their head: shapes, and whether it runs
  next          move on to the next part (its shapes first)
  go PART       work on another part
  status        the time left and the parts tried
  submit        finish: the follow-up questions, then the full grade and your scorecard
  quit          leave; the clock keeps running, and `kata interview` picks up here"""


class Leave(Exception):
    """The learner left (quit, or the end of the input): the interview stays in progress."""


@dataclass
class Outcome:
    """What a run of the interview came to."""
    scorecard: object | None = None      # set once submitted
    files: dict[str, Path] = field(default_factory=dict)


class Interview:
    def __init__(self, workspace: Path, catalog, content: InterviewContent, clock, term, warn=None,
                 timeout: float | None = None, memory_mb: int | None = None, color: bool = False):
        self.ws = Path(workspace)
        self.catalog = catalog
        self.content = content
        self.clock = clock
        self.term = term
        self.warn = warn or (lambda message: None)
        self.timeout, self.memory_mb = timeout, memory_mb
        self.color = color
        self._notices_due: list[int] = []
        self._deadline: float | None = None

    # -- reading the record -----------------------------------------------------------

    def session(self) -> dict | None:
        return record.active(self.ws, warn=self.warn)

    def required(self) -> dict:
        s = self.session()
        if s is None:
            raise InterviewError("no interview is in progress: `kata interview` starts one")
        return s

    def katas(self, session: dict) -> list:
        out = []
        for part in session["parts"]:
            kata = self.catalog.find(part)
            if kata is None:
                raise InterviewError(f"this interview has {part}, which the katas in use no longer have "
                                     "(a kata pack missing?); `kata interview abandon` sets it aside")
            out.append(kata)
        return out

    def left(self, session: dict) -> float:
        return record.deadline(session) - self.clock.now()

    def folder(self, session: dict) -> Path:
        return record.folder(self.ws, session)

    def change(self, edit) -> dict:
        return record.change(self.ws, edit, warn=self.warn)

    # -- start ------------------------------------------------------------------------

    def begin(self, katas: list, minutes: float, seed: int, followups: int) -> dict:
        session = record.start(self.ws, katas, self.content, minutes, seed, self.clock.now(), followups,
                               warn=self.warn)
        say = self.term.say
        end = local_stamp(record.deadline(session))[11:16]
        say(f"Mock interview {session['id']}: {minutes_seconds(60 * minutes)} on the clock, from now until {end}.")
        say(f"Your files are fresh stubs in {self.folder(session)} (your practice files are not touched).")
        say("Hints, solutions, explanations and full grades are locked until you submit.")
        if self.content.prompt:
            say("")
            say(self.content.prompt.rstrip())
        say("")
        say("Parts: " + ", ".join(f"{k.id} ({k.learner_file})" for k in katas))
        return session

    # -- the interactive run ------------------------------------------------------------

    def run(self) -> Outcome:
        """Take the interview in progress from wherever it is; returns when it is
        submitted (Outcome.scorecard set) or the learner leaves."""
        s = self.required()
        if self.left(s) <= 0:
            self.term.say("The time is up.")
            return self.submit(time_up=True)
        self._notices_due = [n for n in NOTICES if n < self.left(s)]
        self._deadline = record.deadline(s)
        self.term.on_tick = self._tick
        try:
            if s["clarifying"].get("asked") is None:
                self.clarify(s)
            announced = False
            while True:
                s = self.required()
                current = s["current"]
                if current is None:
                    current = record.next_part(s) or s["parts"][0]
                    self.open(current)
                    announced = True
                    s = self.required()
                if not s["parts_state"][current]["shapes_done"]:
                    self.ask_shapes(current)
                    announced = True
                    self.coding(current)
                elif not announced:
                    self.term.say(f"Back in the interview: {minutes_seconds(self.left(s))} left.")
                    self.coding(current)
                    announced = True
                line = self.term.ask(f"[{current} · {minutes_seconds(self.left(s))} left] > ", record.deadline(s))
                if line is None:
                    raise Leave()
                outcome = self.command(line.strip(), current)
                if outcome is not None:
                    return outcome
        except TimeUp:
            self.term.say("")
            self.term.say("The time is up.")
            return self.submit(time_up=True)
        except Leave:
            s = self.session()
            if s is not None:
                end = local_stamp(record.deadline(s))[11:16]
                self.term.say(f"Left the interview; the clock keeps running ({minutes_seconds(self.left(s))} "
                              f"left, until {end}). `kata interview` picks up here.")
            return Outcome()

    def _tick(self, now: float) -> None:
        if self._deadline is None:
            return
        left = self._deadline - now
        while self._notices_due and left <= self._notices_due[0]:
            n = self._notices_due.pop(0)
            self.term.say(f"\n({n // 60} minute{'s' if n >= 120 else ''} left)")

    def command(self, line: str, current: str) -> Outcome | None:
        word, _, rest = line.partition(" ")
        word, rest = word.lower(), rest.strip()
        s = self.required()
        if not word:
            return None
        if word in ("help", "?", "h"):
            self.term.say(COMMANDS)
        elif word == "check":
            part = self.part_named(s, rest) if rest else current
            if part:
                self.term.say(self.quick_check(part))
        elif word == "next":
            nxt = record.next_part(s)
            if nxt is None:
                self.term.say("Every part is open: `go PART` returns to one, `submit` finishes.")
            else:
                self.open(nxt)
        elif word == "go":
            part = self.part_named(s, rest)
            if part and part != current:
                self.open(part)
        elif word == "status":
            self.term.say(self.status_text())
        elif word == "submit":
            return self.submit(time_up=False)
        elif word in ("quit", "exit", "q", "leave"):
            raise Leave()
        elif word in ("hint", "solution", "explain", "grade"):
            self.term.say(f"`{word}` is locked until you submit: that is the interview.")
        else:
            self.term.say(f"unknown command {word!r}; the commands are:\n{COMMANDS}")
        return None

    def part_named(self, session: dict, name: str) -> str | None:
        kata = self.catalog.find(name)
        if kata is None or kata.id not in session["parts"]:
            self.term.say(f"this interview's parts are {', '.join(session['parts'])}")
            return None
        return kata.id

    # -- the steps ------------------------------------------------------------------------

    def clarify(self, s: dict) -> None:
        by_id = {q.id: q for q in self.content.clarifying}
        shown = [by_id[q] for q in s["clarifying"]["shown"] if q in by_id]
        if not shown:
            self.change(lambda x: x["clarifying"].update(asked=[]))
            return
        say = self.term.say
        say("")
        say("Before you write any code: which of these would you ask the interviewer?")
        for n, q in enumerate(shown, 1):
            say(f"  {n:2d}. {q.question}")
        while True:
            line = self.term.ask("Your questions (numbers separated by spaces; Enter for none): ",
                                 record.deadline(s))
            if line is None:
                raise Leave()
            picks = parse_picks(line, len(shown))
            if picks is not None:
                break
            say(f"  (numbers from 1 to {len(shown)}, e.g. 1 4 7)")
        asked = [shown[n - 1] for n in picks]
        self.change(lambda x: x["clarifying"].update(asked=[q.id for q in asked]))
        if asked:
            say("")
            say("The interviewer answers:")
            for q in asked:
                say(f"  Q: {q.question}")
                say(f"  A: {q.answer}")
        else:
            say("No questions, then. The sizes are in the prompt; everything else you will have to assume.")

    def open(self, part: str) -> None:
        """Make `part` the current one (its clock starts) and show its prompt."""
        now = self.clock.now()
        self.change(lambda x: record.switch_part(x, part, now))
        s = self.required()
        kata = self.catalog.get(part)
        pc = self.content.part(part)
        say = self.term.say
        say("")
        say(f"== {part} ({kata.alias}): {kata.title}")
        if pc.prompt:
            say(pc.prompt.rstrip())
        if s["parts_state"][part]["shapes_done"]:
            self.coding(part)

    def ask_shapes(self, part: str) -> None:
        s = self.required()
        pc = self.content.part(part)
        said = s["parts_state"][part].get("shapes") or []
        if not pc.shapes:
            self.change(lambda x: x["parts_state"][part].update(shapes=[], shapes_done=True))
            return
        sizes = pc.interview_sizes
        say = self.term.say
        if not said:
            say("")
            say("Say the shapes first (" + ", ".join(f"{k} = {v}" for k, v in sizes.items())
                + "): type them like " + ",".join(list(sizes)[:2]) + " or "
                + ",".join(str(v) for v in list(sizes.values())[:2]) + ', and "scalar" for a 0-d value.')
        done = {x.get("tensor") for x in said}
        for prompt in pc.shapes:
            if prompt.tensor in done:
                continue
            line = self.term.ask(f"  {prompt.tensor}: ", record.deadline(s))
            if line is None:
                raise Leave()
            ok = shape_ok(prompt, line, sizes)
            right = show_shape(prompt.answer, sizes)
            if ok:
                say("     ✓")
            elif line.strip():
                say(f"     ✗ it is {right}: {prompt.why}")
            else:
                say(f"     skipped: it is {right}: {prompt.why}")
            entry = {"tensor": prompt.tensor, "given": line.strip()[:80], "ok": ok}
            self.change(lambda x: x["parts_state"][part].update(
                shapes=(x["parts_state"][part].get("shapes") or []) + [entry]))
        self.change(lambda x: x["parts_state"][part].update(shapes_done=True))
        s = self.required()
        right = sum(x["ok"] for x in s["parts_state"][part]["shapes"])
        say(f"  {right} of {len(pc.shapes)} shapes right.")

    def coding(self, part: str) -> None:
        s = self.required()
        kata = self.catalog.get(part)
        self.term.say("")
        self.term.say(f"Now code it: edit {self.folder(s) / kata.learner_file} in any editor "
                      f"({', '.join(kata.functions)}).")
        self.term.say("At the prompt: check, next, go PART, status, submit, quit (help lists them).")

    # -- status and quick checks ------------------------------------------------------------

    def tried(self, s: dict, part: str) -> str:
        kata = self.catalog.find(part)
        ps = s["parts_state"][part]
        if not ps["intervals"]:
            return "not opened"
        edited = kata is not None and record.digest(self.folder(s) / kata.learner_file) != s["stubs"].get(part)
        checks = [c for c in s["checks"] if c["part"] == part]
        words = ["edited" if edited else "untouched"]
        if checks:
            words.append(f"last check {'ok' if checks[-1]['ok'] else 'not ok'} ({len(checks)} run)")
        said = ps.get("shapes") or []
        if said:
            words.append(f"shapes {sum(x['ok'] for x in said)}/{len(said)}")
        return ", ".join(words)

    def status_text(self) -> str:
        s = self.required()
        left = self.left(s)
        end = local_stamp(record.deadline(s))[11:16]
        lines = [f"Mock interview {s['id']}: {minutes_seconds(max(0.0, left))} left of "
                 f"{minutes_seconds(60 * s['minutes'])} (until {end})" + ("; the time is up" if left <= 0 else ""),
                 f"files: {self.folder(s)}"]
        if s["clarifying"].get("asked") is None:
            lines.append("clarifying questions: not asked yet")
        now = self.clock.now()
        tried = 0
        for part in s["parts"]:
            state = self.tried(s, part)
            tried += state.startswith("edited") or "check" in state
            spent = record.part_seconds(s, part, now)
            lines.append(f"  {'→' if part == s['current'] else ' '} {part:6} {minutes_seconds(spent):>6}  {state}")
        lines.append(f"{tried} of {len(s['parts'])} parts tried")
        return "\n".join(lines)

    def grading(self, warm: bool = False):
        """A session over the interview's folder at its seed; its grades stay out of the
        practice record. Warm sandboxes pay off only when several parts are graded."""
        from grader.grading.session import GradingSession
        from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

        s = self.required()
        return GradingSession(self.catalog, self.folder(s), s["seed"], self.timeout or DEFAULT_TIMEOUT_S,
                              self.memory_mb or DEFAULT_MEMORY_MB, record=False, warn=self.warn,
                              label=f"interview {s['id']}", warm=warm)

    def quick_names(self, kata) -> list[str]:
        from grader.curriculum import loading

        pc = self.content.part(kata.id)
        names = {c.name for c in loading.checks(kata)}
        chosen = [n for n in (pc.quick_checks if pc.quick_checks is not None else ["shapes"]) if n in names]
        return chosen or LOAD_ONLY

    def quick_check(self, part: str) -> str:
        """Only what an interviewer would run in their head: shapes, and whether it runs.
        No diagnosis, no hint, no value comparison."""
        kata = self.catalog.get(part)
        names = self.quick_names(kata)
        result = self.grading().grade([kata], only={kata.id: names}).katas[0]
        lines = [f"{part}: quick check (shapes and whether it runs; the full grade comes when you submit)"]
        if result.status == NOT_IMPLEMENTED:
            lines.append(f"  · still a stub: {', '.join(result.not_implemented) or 'the functions'} "
                         "raise NotImplementedError")
            ok = False
        elif result.fatal and not any(c.name in names for c in result.checks):
            check = result.checks[0] if result.checks else None
            lines.append(f"  ✗ does not run: {result.fatal}")
            lines += [f"      {d}" for d in (check.details if check else [])[:6]]
            ok = False
        else:
            ran = [c for c in result.checks if not c.waiting]
            for c in ran:
                if c.status in (PASS, WARN):
                    lines.append(f"  ✓ {c.title}")
                else:
                    lines.append(f"  ✗ {c.title}: {c.message}")
                    if c.status.value == "error":  # it crashed: what running it would have shown
                        lines += [f"      {d}" for d in c.details[:6]]
            if names == LOAD_ONLY or not ran:
                lines.append(f"  ✓ it loads and defines {', '.join(kata.functions)}")
            ok = result.fatal is None and all(c.status in (PASS, WARN) for c in ran)
        summary = lines[-1].strip()
        at = self.clock.now()
        self.change(lambda x: x["checks"].append({"part": part, "at": at, "ok": ok, "summary": summary[:200]}))
        return "\n".join(lines)

    # -- submit ------------------------------------------------------------------------------

    def followups(self, s: dict, given: dict[str, str], ask: bool) -> list[str | None]:
        by_id = {q.id: q for q in self.content.followups}
        chosen = [(n, c, by_id.get(c["id"])) for n, c in enumerate(s["followups"], 1)]
        chosen = [(n, c, q) for n, c, q in chosen if q is not None]
        answers: list[str | None] = []
        if chosen and ask and not all(str(n) in given or q.id in given for n, _, q in chosen):
            self.term.say("")
            self.term.say(f"Follow-up questions ({len(chosen)}): the interviewer's last few minutes.")
        stop = False
        for n, c, q in chosen:
            pre = given.get(str(n), given.get(q.id))
            if pre is not None or not ask or stop:
                answers.append(pre)
                continue
            self.term.say("")
            self.term.say(f"{n}. {q.question}")
            order = [i for i in c["order"] if isinstance(i, int) and 0 <= i < len(q.choices)]
            if q.kind == "choice":
                if sorted(order) != list(range(len(q.choices))):
                    order = list(range(len(q.choices)))
                for k, i in enumerate(order):
                    self.term.say(f"   {LETTERS[k]}) {q.choices[i]}")
                hint = f"a-{LETTERS[len(order) - 1]}"
            else:
                hint = "a number" + (f", {q.unit}" if q.unit else "")
            while True:
                line = self.term.ask(f"   your answer ({hint}; Enter to skip): ")
                if line is None:
                    stop = True
                    answers.append(None)
                    break
                line = line.strip()
                valid = (not line or (parse_choice(line, len(order)) is not None if q.kind == "choice"
                                      else parse_number(line) is not None))
                if valid:
                    answers.append(line)
                    break
                self.term.say(f"   ({hint})")
        return answers

    def submit(self, time_up: bool, answers: dict[str, str] | None = None, ask: bool = True) -> Outcome:
        from grader.interview import scorecard
        from grader.reporting import scorecard as render

        s = self.required()
        katas = self.katas(s)
        now = self.clock.now()
        end = min(now, record.deadline(s))
        self.change(lambda x: record.switch_part(x, None, end))
        s = self.required()
        said = self.followups(s, answers or {}, ask)
        # Compile the templates before any learner code runs (see grader.reporting.scorecard).
        compiled = render.prepare("scorecard")
        self.term.say("")
        self.term.say(f"Grading {', '.join(k.id for k in katas)} with every hidden check…")
        report = self.grading(warm=len(katas) > 1).grade(katas)
        late = {}
        if now > record.deadline(s):
            for kata in katas:
                try:
                    mtime = os.stat(self.folder(s) / kata.learner_file).st_mtime
                except OSError:
                    continue
                if mtime > record.deadline(s) + 1:
                    late[kata.id] = mtime - record.deadline(s)
        card = scorecard.build(s, self.content, self.catalog, report, said, now, time_up,
                               record.history(self.ws, warn=self.warn), late)
        record.finish(self.ws, s["id"], card.summary(), scorecard.review_events(card, local_stamp(end)),
                      warn=self.warn)
        outcome = Outcome(card)
        folder = self.folder(s)
        texts = {"scorecard.txt": render.render_scorecard(card, "text", compiled=compiled),
                 "scorecard.html": render.render_scorecard(card, "html", compiled=compiled),
                 "scorecard.json": json.dumps(card.to_dict(), indent=2, default=str),
                 "report.html": self.grading_render(report, "html")}
        for name, text in texts.items():
            try:
                (folder / name).write_text(text, encoding="utf-8")
                outcome.files[name] = folder / name
            except OSError as exc:
                self.warn(f"warning: could not write {folder / name}: {exc}")
        self.term.say("")
        self.term.say(render.render_scorecard(card, "text", color=self.color, compiled=compiled).rstrip("\n"))
        if "scorecard.html" in outcome.files:
            self.term.say(f"\nThe scorecard as a page: {outcome.files['scorecard.html']}; the full grade: "
                          f"{outcome.files.get('report.html', '')}")
        return outcome

    def grading_render(self, report, fmt: str) -> str:
        from grader.grading.session import facts_for
        from grader import reporting

        return reporting.render(report, fmt, facts=facts_for(self.catalog, report))
