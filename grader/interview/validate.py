"""`kata validate`'s rows for the interview content (grader.interview.content).

Per kata with an interview.toml:

- content: it loads; `quick_checks` and [rubric] name checks the kata has; every
  follow-up is well formed, each multiple-choice question with exactly one right
  answer (distinct choices, the answer one of them), each numeric one with a
  tolerance; the ids of questions are unique;
- shapes: every shape prompt's answer is the shape of that tensor when the
  reference runs at each [[sizes]] set (computed by the kata's interview_probe.py
  in a child process), with the size names replaced by their values.

Per katas/interview.toml (the built-in one, and a pack's): it loads, its default
parts are katas, its clarifying questions and follow-ups name known parts and
diagnosis ids, and [rubric.diagnoses] names known ids.

Each job returns (kata, name, expected, got, ok); the caller makes them rows.
"""
from __future__ import annotations

from pathlib import Path

from grader.curriculum import loading
from grader.curriculum.paths import BUILTIN_KATAS
from grader.interview import probe
from grader.interview.content import FILE, ContentError, katas_dirs, read_common, read_part
from grader.model.diagnoses import known_ids

COMMON = "interview"   # the kata column of an interview-wide file's rows


def ids_job(catalog):
    """Question ids are unique across every interview file in use (the record names them)."""
    def job():
        expected = "every clarifying question and follow-up has its own id"
        seen: dict[tuple[str, str], str] = {}
        problems = []
        for folder in katas_dirs(catalog):
            paths = [(folder / FILE, None)] + [(k.folder / FILE, k.id) for k in catalog if k.folder.parent == folder]
            for path, part in paths:
                if not path.is_file():
                    continue
                try:
                    c = read_common(path) if part is None else read_part(path, part).__dict__
                except ContentError:
                    continue  # its own row says why
                for kind, questions in (("clarifying question", c["clarifying"]), ("follow-up", c["followups"])):
                    for q in questions:
                        other = seen.get((kind, q.id))
                        if other is not None:
                            problems.append(f"{kind} id {q.id!r} is used in {other}"
                                            + ("" if other == str(path) else f" and {path}"))
                        seen[(kind, q.id)] = str(path)
        return COMMON, "question ids", expected, "; ".join(problems) or f"{len(seen)} ids, all distinct", not problems
    return job


def _unknown(ids, catalog) -> list[str]:
    """Ids that neither the shared registry nor any kata in use defines."""
    known = set(known_ids())
    for kata in catalog:
        known |= set(kata.diagnoses)
    return sorted({d for d in ids if d not in known})


def common_job(catalog, folder: Path):
    path = folder / FILE
    label = f"katas/{FILE}" if folder == BUILTIN_KATAS else str(path)

    def job():
        expected = "loads; parts, diagnosis ids and follow-up parts are known; question ids unique"
        try:
            common = read_common(path)
        except ContentError as exc:
            return COMMON, label, expected, str(exc), False
        problems = [f"default part {p!r} is not a kata" for p in common["parts"] if catalog.find(p) is None]
        for q in common["clarifying"]:
            problems += [f"clarifying {q.id!r}: unknown diagnosis id {d!r}" for d in _unknown(q.diagnoses, catalog)]
            problems += [f"clarifying {q.id!r}: {p!r} is not a kata" for p in q.parts if catalog.find(p) is None]
        for q in common["followups"]:
            if catalog.find(q.part) is None:
                problems.append(f"follow-up {q.id!r}: part {q.part!r} is not a kata")
        problems += [f"[rubric.diagnoses]: unknown diagnosis id {d!r}" for d in _unknown(common["diagnoses"], catalog)]
        got = "; ".join(problems) if problems else (
            f"{len(common['clarifying'])} clarifying questions "
            f"({sum(q.important for q in common['clarifying'])} important), "
            f"{len(common['followups'])} follow-ups, {len(common['diagnoses'])} diagnoses filed by dimension")
        return COMMON, label, expected, got, not problems
    return job


def content_job(catalog, kata):
    path = kata.folder / FILE

    def job():
        expected = "loads; its checks and diagnosis ids are known; one right answer per multiple-choice question"
        try:
            part = read_part(path, kata.id)
        except ContentError as exc:
            return kata.id, "interview content", expected, str(exc), False
        try:
            checks = {c.name for c in loading.checks(kata)}
        except Exception:  # noqa: BLE001 - the kata's own rows report a broken checks.py
            checks = set()
        problems = [f"quick_checks: {n!r} is not a check of {kata.id}" for n in part.quick_checks if n not in checks]
        for dim, names in part.rubric.items():
            problems += [f"[rubric] {dim}: {n!r} is not a check of {kata.id}" for n in names if n not in checks]
        for q in part.clarifying:
            problems += [f"clarifying {q.id!r}: unknown diagnosis id {d!r}" for d in _unknown(q.diagnoses, catalog)]
        choice = sum(q.kind == "choice" for q in part.followups)
        got = "; ".join(problems) if problems else (
            f"{len(part.shapes)} shape prompts, {len(part.followups)} follow-ups ({choice} multiple-choice, "
            f"each with one right answer), quick check: {', '.join(part.quick_checks) or 'loads only'}")
        return kata.id, "interview content", expected, got, not problems
    return job


def expected_dims(answer: str, sizes: dict[str, int]) -> list[int]:
    return [] if answer == "scalar" else [1 if d == "1" else sizes[d] for d in answer.split(",")]


def shapes_job(kata, probes: probe.Batch | None = None, index: int = 0):
    """The shapes row; `probes` (request `index`) has the reference's answer under way."""
    path = kata.folder / FILE

    def job():
        expected = "every shape answer is the reference's shape at every [[sizes]] set"
        try:
            part = read_part(path, kata.id)
        except ContentError as exc:
            return kata.id, "interview shapes", expected, f"does not load: {exc}", False
        if not part.shapes:
            return kata.id, "interview shapes", expected, "no shape prompts", True
        if part.probe is None:
            return (kata.id, "interview shapes", expected,
                    f"no {part.path.parent.name}/interview_probe.py to compute the reference's tensors", False)
        answer = (probes.answer(index) if probes is not None else
                  probe.run(part.probe, kata.reference_path, part.sizes))
        if "error" in answer:
            return kata.id, "interview shapes", expected, answer["error"], False
        problems = []
        for sizes, found in zip(part.sizes, answer["sizes"]):
            where = ", ".join(f"{k}={v}" for k, v in sizes.items())
            if "error" in found:
                problems.append(f"at {where}: {found['error']}")
                continue
            for prompt in part.shapes:
                if prompt.tensor not in found:
                    problems.append(f"{prompt.tensor!r}: interview_probe.py does not return it")
                    continue
                got, want = found[prompt.tensor], expected_dims(prompt.answer, sizes)
                if got is None:
                    problems.append(f"{prompt.tensor!r}: interview_probe.py returns no array or number")
                elif got != want:
                    problems.append(f"{prompt.tensor!r} at {where}: the reference gives "
                                    f"{tuple(got)}, the answer {prompt.answer!r} says {tuple(want)}")
        problems = list(dict.fromkeys(problems))
        got = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "") \
            if problems else f"{len(part.shapes)} shapes match at {len(part.sizes)} size sets"
        return kata.id, "interview shapes", expected, got, not problems
    return job


def jobs(catalog, katas) -> list:
    """Zero-argument jobs, each returning (kata, name, expected, got, ok)."""
    selected = {k.folder.parent for k in katas}
    out = [common_job(catalog, folder) for folder in katas_dirs(catalog)
           if folder in selected and (folder / FILE).is_file()]
    if out:
        out.append(ids_job(catalog))
    with_content = [kata for kata in katas if (kata.folder / FILE).is_file()]
    requests, index = [], {}
    for kata in with_content:
        try:
            part = read_part(kata.folder / FILE, kata.id)
        except ContentError:
            continue   # its shapes row says why
        if part.shapes and part.probe is not None:
            index[kata.id] = len(requests)
            requests.append((part.probe, kata.reference_path, part.sizes))
    probes = probe.Batch(requests)
    for kata in with_content:
        out += [content_job(catalog, kata),
                shapes_job(kata, probes, index[kata.id]) if kata.id in index else shapes_job(kata)]
    return out
