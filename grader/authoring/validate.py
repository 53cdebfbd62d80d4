"""`kata validate`: an author's proof that a kata's checks are right.

For each kata: the reference passes every check (the checks run float32 and
float64 inputs), the untouched stub fails as not implemented, every shipped
mistake fails (or warns) where it says and gets the diagnoses it declares, and
every shipped correct variant passes without a single warning or diagnosis.
Each of those is one row of the table; a kata is valid when all its rows are.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from grader.authoring.corpus import EXPECT_KEYS, check_names, example_files, grade_example, read_expect
from grader.authoring.workers import run_all
from grader.curriculum import loading
from grader.curriculum.catalog import Catalog
from grader.curriculum.kata import CatalogError, Kata
from grader.grading.engine import grade_file
from grader.interview.validate import jobs as interview_jobs
from grader.model.diagnoses import known_ids
from grader.model.results import ERROR, FAIL, NOT_IMPLEMENTED, PASS, WARN, KataResult

DEFAULT_SEED = 1


@dataclass
class Row:
    kata: str
    kind: str          # reference | stub | mistake | variant | kata
    name: str          # file name, or what a kata-level row is about
    expected: str
    got: str
    ok: bool


def _diagnosis_ids(result: KataResult) -> list[str]:
    return list(dict.fromkeys(d.id for c in result.checks for d in c.diagnoses))


def _summary(result: KataResult) -> str:
    """What a grade came to, in a few words: failing checks and diagnoses."""
    if result.passed:
        warned = [c.name for c in result.checks if c.status == WARN]
        text = "passed" + (f", warns {', '.join(warned)}" if warned else "")
    elif result.status == NOT_IMPLEMENTED:
        text = "not implemented"
    else:
        bad = [c.name for c in result.checks if c.status in (FAIL, ERROR)]
        text = f"fails {', '.join(bad)}" if bad else f"error: {result.fatal}"
    ids = [i for i in _diagnosis_ids(result) if i != "not-implemented"]
    internal = [c for c in result.checks if c.internal]
    # An author's unfinished scaffold (a reference or a checks.py helper that still raises
    # "TODO(author): ...") is not a grader bug: say what is left to write.
    todo = [c for c in internal if TODO_MARK in c.cause]
    if todo:
        text += f"; unfinished: {_todo_text(todo[0].cause)}"
    bugs = [c.name for c in internal if c not in todo]
    if bugs:
        text += f"; GRADER BUG in {', '.join(bugs)}"
    return text + (f" → {', '.join(ids)}" if ids else "")


TODO_MARK = "TODO(author)"


def _todo_text(cause: str) -> str:
    """"TODO(author): ..." out of the exception "NotImplementedError: TODO(author): ..."."""
    return cause[cause.index(TODO_MARK):]


def _todo_counts(kata: Kata) -> dict[str, int]:
    """TODO(author) markers left in a kata's files (relative name -> count)."""
    counts = {}
    paths = [*sorted(p for p in kata.folder.rglob("*") if p.is_file() and p.suffix in (".py", ".md", ".toml")),
             kata.reference_path]
    for path in paths:
        try:
            n = path.read_text(encoding="utf-8").count(TODO_MARK)
        except (OSError, UnicodeDecodeError):
            continue
        if n:
            name = (f"solutions/{path.name}" if path == kata.reference_path
                    else str(path.relative_to(kata.folder)))
            counts[name] = n
    return counts


def _internal_errors(result: KataResult) -> bool:
    return result.internal


# -- one row per file ----------------------------------------------------------------

def check_reference(kata: Kata, seed: int) -> Row:
    result = grade_file(kata, kata.reference_path, seed)
    clean = result.passed and all(c.status == PASS for c in result.checks) and not _diagnosis_ids(result)
    got = _summary(result)
    if result.status == NOT_IMPLEMENTED:
        got = f"the reference is not written yet: fill in {kata.reference_path}"
    return Row(kata.id, "reference", kata.learner_file, "every check passes (float32 and float64)", got, clean)


def check_stub(kata: Kata, seed: int) -> Row:
    result = grade_file(kata, kata.stub_path, seed)
    return Row(kata.id, "stub", kata.learner_file, "not implemented", _summary(result),
               result.status == NOT_IMPLEMENTED and not _internal_errors(result))


def expect_problems(kata: Kata, path: Path, folder: str) -> list[str]:
    """What is wrong with a file's KATA_EXPECT declaration itself."""
    try:
        expect = read_expect(path)
    except (ValueError, SyntaxError) as exc:
        return [str(exc)]
    if not isinstance(expect, dict):
        return ["KATA_EXPECT must be a dict"]
    problems = [f"unknown KATA_EXPECT key {k!r}" for k in expect if k not in EXPECT_KEYS]
    if folder == "variants":
        if expect.get("passes") is not True or {"fails", "warns", "diagnoses"} & set(expect):
            problems.append('a variant declares KATA_EXPECT = {"passes": True}')
        return problems
    kinds = [k for k in ("fails", "warns", "passes") if k in expect]
    if kinds not in (["fails"], ["warns"]):
        return problems + [f"a mistake declares exactly one of fails/warns, not {kinds or 'neither'}"]
    unknown = sorted(set(expect[kinds[0]]) - set(check_names(kata)))
    if unknown:
        problems.append(f"{', '.join(unknown)} are not checks of {kata.id}")
    declared = expect.get("diagnoses") or []
    if not declared:
        problems.append("declares no diagnosis: add \"diagnoses\": [...] with the id it must get")
    problems += [f"unknown diagnosis id {d!r}" for d in declared if d not in known_ids(kata)]
    return problems


def check_mistake(catalog: Catalog, kata: Kata, path: Path, seed: int) -> Row:
    problems = expect_problems(kata, path, "mistakes")
    try:
        expect = read_expect(path)
    except (ValueError, SyntaxError):
        return Row(kata.id, "mistake", path.name, "a valid KATA_EXPECT", "; ".join(problems), False)
    # Graded even when the declaration is incomplete: the author sees what to declare.
    result = grade_example(catalog, kata, path, seed)
    status = {c.name: c.status for c in result.checks}
    ids = _diagnosis_ids(result)
    fails, warns, declared = expect.get("fails") or [], expect.get("warns") or [], expect.get("diagnoses") or []
    if fails:
        want = f"fails {', '.join(fails)}"
        ok = not result.passed and all(status.get(n) in (FAIL, ERROR) for n in fails)
    else:
        want = f"passes, warns {', '.join(warns)}"
        ok = result.passed and all(status.get(n) == WARN for n in warns)
    want += f" → {', '.join(declared)}" if declared else ""
    missing = [d for d in declared if d not in ids]
    got = _summary(result) + (f"; missing diagnosis {', '.join(missing)}" if missing else "")
    got += "".join(f"; {p}" for p in problems)
    ok = ok and not missing and not problems and not _internal_errors(result)
    return Row(kata.id, "mistake", path.name, want, got, ok)


def check_variant(catalog: Catalog, kata: Kata, path: Path, seed: int) -> Row:
    problems = expect_problems(kata, path, "variants")
    if problems:
        return Row(kata.id, "variant", path.name, "a valid KATA_EXPECT", "; ".join(problems), False)
    result = grade_example(catalog, kata, path, seed)
    ran = sorted(c.name for c in result.checks) == sorted(check_names(kata))
    clean = result.passed and ran and all(c.status == PASS for c in result.checks) and not _diagnosis_ids(result)
    return Row(kata.id, "variant", path.name, "every check passes, no diagnosis", _summary(result), clean)


def check_authoring(kata: Kata) -> list[Row]:
    """Kata-level rules: every check can be shown failing by some mistake, and hints
    name only known diagnoses."""
    rows = []
    covered: set[str] = set()
    for path in example_files(kata, "mistakes"):
        try:
            expect = read_expect(path)
            covered |= set(expect.get("fails", [])) | set(expect.get("warns", []))
        except (ValueError, SyntaxError):
            pass  # reported on the file's own row
    uncovered = [n for n in check_names(kata) if n not in covered]
    rows.append(Row(kata.id, "kata", "check coverage", "each check is shown failing by a mistake",
                    f"no mistake fails {', '.join(uncovered)}: add one to {kata.folder.name}/mistakes/" if uncovered
                    else f"all {len(check_names(kata))} checks covered", not uncovered))
    if not example_files(kata, "variants"):
        rows.append(Row(kata.id, "kata", "variants", "at least one correct variant",
                        f"none yet: add an unusual but correct solution to {kata.folder.name}/variants/ "
                        "with KATA_EXPECT = {\"passes\": True}", False))
    todo = _todo_counts(kata)
    if todo:  # a reminder, not a failure: learners would read these
        rows.append(Row(kata.id, "kata", "todo", "", "TODO(author) left in " + ", ".join(
            f"{name} ({n})" for name, n in todo.items()), True))
    try:  # `kata questions` would otherwise be the first to find a broken file
        kata.questions
    except CatalogError as exc:
        rows.append(Row(kata.id, "kata", "questions.toml", "loads", str(exc), False))
    unknown = sorted({d for h in kata.hints for d in h.diagnoses if d not in known_ids(kata)})
    if unknown:
        rows.append(Row(kata.id, "kata", "hints", "hints name known diagnoses",
                        f"unknown ids {', '.join(unknown)}", False))
    return rows


# -- a whole run -----------------------------------------------------------------------

def plan(catalog: Catalog, kata: Kata, seed: int) -> list:
    """Zero-argument jobs, one per row (so they can run in parallel)."""
    jobs = [lambda: check_reference(kata, seed), lambda: check_stub(kata, seed)]
    jobs += [lambda p=p: check_mistake(catalog, kata, p, seed) for p in example_files(kata, "mistakes")]
    jobs += [lambda p=p: check_variant(catalog, kata, p, seed) for p in example_files(kata, "variants")]
    return jobs


def validate(catalog: Catalog, katas: list[Kata], seeds: list[int], jobs: int | None = None,
             progress=None) -> list[Row]:
    """All rows for `katas`, each file graded at every seed (a row per file and seed
    only when seeds differ in outcome; otherwise one row)."""
    rows: list[Row] = []
    work = []
    interview = interview_jobs(catalog, katas)   # starts the interview probes' child now
    for kata in katas:
        try:
            loading.checks(kata)  # a broken checks.py is one clear row, not a crash per file
        except Exception as exc:  # noqa: BLE001 - an author's checks.py may raise anything
            rows.append(Row(kata.id, "kata", "checks.py", "loads", f"{type(exc).__name__}: {exc}", False))
            continue
        rows += check_authoring(kata)
        work += [job for seed in seeds for job in plan(catalog, kata, seed)]
    workers = max(1, jobs or os.cpu_count() or 1)
    # The mock interview's content (clarifying questions, shape prompts, follow-ups): once, not per
    # seed, and in this process, where its probes' child (started above) answers.
    interview_rows = (Row(*_with_kind(job())) for job in interview)
    for row in itertools.chain(run_all(work, workers), interview_rows):
        if progress:
            progress(row)
        rows.append(row)
    return _merge_seeds(rows)


def _with_kind(found: tuple) -> tuple:
    kata, name, expected, got, ok = found
    return kata, "interview", name, expected, got, ok


def _merge_seeds(rows: list[Row]) -> list[Row]:
    """One row per (kata, kind, file): failing if any seed failed (showing that seed's outcome)."""
    merged: dict[tuple, Row] = {}
    for row in rows:
        key = (row.kata, row.kind, row.name)
        if key not in merged or (merged[key].ok and not row.ok):
            merged[key] = row
    order = {"kata": 0, "reference": 1, "stub": 2, "mistake": 3, "variant": 4}
    return sorted(merged.values(), key=lambda r: (r.kata, order.get(r.kind, 9), r.name))


def format_table(rows: list[Row]) -> str:
    """Aligned columns: verdict, kata, kind, file, and what happened (plus what was
    expected, on the next line, when that differs)."""
    widths = [max((len(getattr(r, f)) for r in rows), default=0) for f in ("kata", "kind", "name")]
    lines = []
    for row in rows:
        cells = [row.kata.ljust(widths[0]), row.kind.ljust(widths[1]), row.name.ljust(widths[2])]
        lines.append(f"{'ok  ' if row.ok else 'FAIL'}  {'  '.join(cells)}  {row.got}")
        if not row.ok:
            lines.append(" " * (6 + sum(widths) + 6) + f"expected: {row.expected}")
    bad = sum(not r.ok for r in rows)
    lines.append("")
    lines.append(f"{len(rows) - bad} of {len(rows)} rows ok" + (f", {bad} failing" if bad else ": the katas are valid"))
    return "\n".join(lines) + "\n"
