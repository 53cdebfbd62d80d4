"""One grading run: the grade → record → render path that `kata grade`, `kata watch`
and `kata grade-class` share.

A `GradingSession` is resolved once (the catalog, where the learner's files are,
the seed, the limits) and then grades katas into a `GradeReport`, folds the
results into the workspace's progress record, and renders reports with the
facts they need from the catalog.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.curriculum import loading
from grader.curriculum.catalog import Catalog
from grader.curriculum.kata import Kata
from grader.model.facts import KataFacts
from grader.model.results import GradeReport, KataResult
from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

SEED_RANGE = 1_000_000   # a fresh seed is short enough to type back: `kata grade part2 --seed 123456`


def fresh_seed() -> int:
    return secrets.randbelow(SEED_RANGE)


def kata_facts(kata: Kata, next_kata: Kata | None = None) -> KataFacts:
    """What reports need about `kata` beyond its results."""
    return KataFacts(hint_titles=[h.title for h in kata.hints], points=float(kata.points),
                     check_points=dict(kata.check_points), planned=loading.planned_checks(kata),
                     next_kata=(next_kata.id, next_kata.title) if next_kata is not None else None)


def facts_for(catalog: Catalog | None, report: GradeReport) -> dict[str, KataFacts]:
    order = list(catalog) if catalog is not None else []
    out = {}
    for result in report.katas:
        kata = catalog.find(result.id) if catalog is not None else None
        after = order[order.index(kata) + 1] if kata in order and order.index(kata) + 1 < len(order) else None
        out[result.id] = kata_facts(kata, after) if kata is not None else KataFacts()
    return out


def isolation_label() -> str:
    from grader.sandbox.isolation import current_isolation

    return current_isolation().label


@dataclass
class GradingSession:
    catalog: Catalog
    source: Path | None = None           # the learner's folder; None grades the references
    seed: int | None = None              # fixed for every grade, or None: a fresh one each time
    timeout: float = DEFAULT_TIMEOUT_S
    memory_mb: int | None = DEFAULT_MEMORY_MB
    record: bool = True                  # fold grades into the workspace's progress record
    warn: Callable[[str], None] = field(default=lambda message: None)
    label: str | None = None             # how reports name the source (default: its path)
    warm: bool | None = None             # fork from warm sandboxes (None: the engine's default)
    # Learner files read from somewhere other than `source` (a notebook): kata -> Snapshot,
    # or None to grade the kata's file in `source` as usual.
    snapshot_for: Callable[[Kata], object] | None = None

    @property
    def reference(self) -> bool:
        return self.source is None

    def grade_one(self, kata: Kata, seed: int, only: list[str] | None = None) -> KataResult:
        from grader.grading.engine import grade_kata

        folder = kata.solutions_dir if self.reference else self.source
        snapshot = self.snapshot_for(kata) if self.snapshot_for and not self.reference else None
        result = grade_kata(kata, folder, seed, self.timeout, self.memory_mb, only=only, warm=self.warm,
                            snapshot=snapshot)
        if snapshot is not None and snapshot.folder.suffix == ".ipynb":
            result.learner_file = snapshot.folder.name  # read from a notebook: reports name the notebook
        return result

    def grade(self, katas: list[Kata], seed: int | None = None, before=None,
              only: dict[str, list[str]] | None = None) -> GradeReport:
        """Grade `katas` with one seed (`before(kata)` is called as each starts). `only` maps a
        kata's id to the names of the checks to run (all of them for a kata not in it)."""
        seed = seed if seed is not None else (self.seed if self.seed is not None else fresh_seed())
        results = []
        for kata in katas:
            if before:
                before(kata)
            results.append(self.grade_one(kata, seed, (only or {}).get(kata.id)))
        report = GradeReport(results, seed, self.label or (str(self.source) if self.source else "reference solutions"),
                             self.reference, __version__, isolation_label())
        if self.record and not self.reference:
            self._record(results, seed)
        return report

    def _record(self, results: list[KataResult], seed: int) -> None:
        from grader.workspace.state import record_grades

        try:
            record_grades(self.source, results, warn=self.warn, seed=seed)
        except OSError as exc:
            self.warn(f"warning: could not record progress in {self.source}: {exc}")

    def render(self, report: GradeReport, fmt: str, *, color: bool = False, ascii: bool = False) -> str:
        from grader import reporting

        return reporting.render(report, fmt, facts=facts_for(self.catalog, report), color=color, ascii=ascii)
