"""One `kata grade-class` run as the gradebook, the summary and the progress lines see
it: its settings, its submissions and their records."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.records import NOT_GRADED
from grader.classroom.submissions import Submission


@dataclass
class ClassRun:
    root: Path
    out: Path
    settings: dict
    submissions: list[Submission]
    records: dict[str, dict] = field(default_factory=dict)   # submission id -> record
    graded: list[str] = field(default_factory=list)          # ids graded by this run
    skipped: list[str] = field(default_factory=list)         # ids whose stored record was still valid
    interrupted: bool = False
    elapsed_s: float = 0.0
    isolation: str = ""                                      # what learner code ran under, for the record

    @property
    def not_graded(self) -> list[str]:
        return [s.id for s in self.submissions if self.records.get(s.id, {}).get("status") == NOT_GRADED]
