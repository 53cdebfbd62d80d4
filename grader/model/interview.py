"""The mock interview's scorecard, as plain data that the reporting templates render.

Built by `grader.interview.scorecard` from the interview's record and its grade;
`to_dict` is what `scorecard.json` in the interview's folder holds, and
`summary()` the line of history kept in the workspace's record.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from grader.model.diagnoses import Diagnosis

VERDICTS = ("strong", "mixed", "weak", "not shown")
VERDICT_SCORE = {"strong": 1.0, "mixed": 0.5, "weak": 0.0}


@dataclass
class PartScore:
    id: str
    alias: str
    title: str
    status: str                   # a KataStatus value: passed, failed, not-implemented, error
    passed: bool
    seconds: float | None         # time spent on the part (None: never opened)
    checks_failed: int = 0
    checks_total: int = 0
    note: str = ""                # "not opened", "edited after the time was up", ...


@dataclass
class Evidence:
    ok: bool | None               # True for, False against, None: not shown (say, a part not done)
    text: str


@dataclass
class Dimension:
    id: str                       # shapes | one-over-b | verification | pitfalls
    title: str
    verdict: str                  # one of VERDICTS
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ClarifyingItem:
    id: str
    question: str
    answer: str                   # the interviewer's
    important: bool
    asked: bool
    prevents: str = ""
    found: list[str] = field(default_factory=list)   # what the grade found that it would have prevented


@dataclass
class ShapeItem:
    part: str
    tensor: str
    expected: str                 # "[B, C] = [64, 10]"
    given: str                    # as typed; "" when not said
    ok: bool
    why: str = ""


@dataclass
class FollowUpItem:
    number: int
    id: str
    part: str
    dimension: str
    kind: str                     # choice | number
    question: str
    choices: list[str]            # as shown, in order
    given: str                    # the answer as shown back ("b) A.T @ dZ", "0.0156"), "" if none
    correct: bool
    model_answer: str             # the right option or value, as shown
    explanation: str
    unit: str = ""


@dataclass
class HintText:
    level: int
    title: str
    text: str


@dataclass
class Finding:
    """One thing wrong in a part: a named mistake with every check it explains, or a
    failing check that names none; with what the grade knows about it."""
    part: str
    check: str                    # the (first) check's name
    title: str                    # the mistake's name, or the check's title
    status: str                   # fail | error | warn
    message: str                  # the first check's message
    details: list[str] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    hints: list[HintText] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)   # every check it explains


@dataclass
class HistoryPoint:
    number: int                   # 1 for the first interview
    id: str
    date: str                     # "2026-12-03 14:15"
    parts_passed: int
    parts_total: int
    rubric_score: float | None    # mean over the dimensions shown (strong 1, mixed 0.5, weak 0)
    followups_right: int
    followups_total: int
    used_s: float
    current: bool = False         # the interview this scorecard is about

    @property
    def parts_fraction(self) -> float:
        return self.parts_passed / self.parts_total if self.parts_total else 0.0

    @property
    def followups_fraction(self) -> float | None:
        return self.followups_right / self.followups_total if self.followups_total else None


@dataclass
class InterviewLine:
    """One interview in `kata interview history`: submitted or abandoned."""
    number: int | None            # among the submitted ones; None when abandoned
    id: str
    started: str
    status: str                   # submitted | abandoned
    parts_passed: int = 0
    parts_total: int = 0
    used_s: float | None = None
    rubric: dict[str, str] = field(default_factory=dict)   # dimension -> verdict
    followups_right: int = 0
    followups_total: int = 0


@dataclass
class Scorecard:
    id: str
    started: str                  # "2026-12-03 14:15"
    minutes: float
    used_s: float
    time_up: bool                 # submitted by the clock, not by the learner
    seed: int
    folder: str
    parts: list[PartScore]
    rubric: list[Dimension]
    clarifying: list[ClarifyingItem]
    shapes: list[ShapeItem]
    followups: list[FollowUpItem]
    findings: list[Finding]
    history: list[HistoryPoint] = field(default_factory=list)
    late_edits: list[str] = field(default_factory=list)   # files changed after the time was up
    tool_version: str = ""
    isolation: str = ""

    @property
    def parts_passed(self) -> int:
        return sum(p.passed for p in self.parts)

    @property
    def shapes_right(self) -> int:
        return sum(s.ok for s in self.shapes)

    @property
    def followups_right(self) -> int:
        return sum(f.correct for f in self.followups)

    @property
    def important_asked(self) -> tuple[int, int]:
        important = [c for c in self.clarifying if c.important]
        return sum(c.asked for c in important), len(important)

    @property
    def rubric_score(self) -> float | None:
        shown = [VERDICT_SCORE[d.verdict] for d in self.rubric if d.verdict in VERDICT_SCORE]
        return sum(shown) / len(shown) if shown else None

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict:
        """The interview's line in the workspace's record (`kata interview history`)."""
        asked, important = self.important_asked
        return {
            "id": self.id, "status": "submitted", "started": self.started, "minutes": self.minutes,
            "used_s": round(self.used_s, 1), "time_up": self.time_up, "seed": self.seed, "folder": self.folder,
            "parts": [{"id": p.id, "passed": p.passed, "status": p.status,
                       "seconds": None if p.seconds is None else round(p.seconds, 1)} for p in self.parts],
            "rubric": {d.id: d.verdict for d in self.rubric},
            "rubric_score": self.rubric_score,
            "shapes": [self.shapes_right, len(self.shapes)],
            "followups": [self.followups_right, len(self.followups)],
            "clarifying": [asked, important],
        }
