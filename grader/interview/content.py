"""The interview's content, read from data files.

- `katas/interview.toml` (the built-in one, and one per kata pack): the default
  parts and time, the opening prompt, [[clarifying]] questions, [[followups]]
  for any part, and [rubric.diagnoses] (which named mistakes count against which
  rubric dimension);
- `katas/<id>/interview.toml`: the part's prompt, `quick_checks`, [rubric] (which
  of its checks count for which dimension), [[sizes]], [[shapes]] prompts,
  [[followups]] and [[clarifying]] of its own; `interview_probe.py` beside it
  computes the reference's tensors for `kata validate`.

Reading checks the structure (types, required keys, one right answer per
multiple-choice question) and raises ContentError naming the file; what needs
the catalog or the reference (known check names and diagnosis ids, the shapes)
is left to `grader.interview.validate`.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FILE = "interview.toml"
PROBE = "interview_probe.py"
DIMENSIONS = {
    "shapes": "Shapes right throughout",
    "one-over-b": "One consistent 1/B",
    "verification": "A sound verification strategy",
    "pitfalls": "Awareness of the pitfalls",
}
KINDS = ("choice", "number")
SCALAR = "scalar"
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ContentError(Exception):
    """An interview content file is malformed (an author's error, exit status 2)."""


@dataclass(frozen=True)
class Clarifying:
    id: str
    question: str
    answer: str
    important: bool
    prevents: str = ""
    diagnoses: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()          # shown only with one of these parts (empty: always)
    source: str = ""                     # the file it comes from

    def shown_with(self, parts) -> bool:
        return not self.parts or any(p in parts for p in self.parts)


@dataclass(frozen=True)
class ShapePrompt:
    part: str
    tensor: str
    answer: str                          # "B,C", "n_out", "scalar"
    why: str

    @property
    def dims(self) -> tuple[str, ...]:
        return () if self.answer == SCALAR else tuple(self.answer.split(","))


@dataclass(frozen=True)
class FollowUp:
    id: str
    part: str
    dimension: str
    kind: str                            # choice | number
    question: str
    explanation: str
    choices: tuple[str, ...] = ()
    answer: float = 0.0                  # choice: index of the right option; number: the value
    tolerance: float | None = None       # number: relative tolerance
    within_factor: float | None = None   # number: accepted within this factor either way
    unit: str = ""
    source: str = ""


@dataclass
class PartContent:
    part: str
    path: Path | None = None
    prompt: str = ""
    quick_checks: list[str] | None = None    # None: the kata has no interview.toml (use "shapes" if it has one)
    rubric: dict[str, list[str]] = field(default_factory=dict)   # dimension -> check names
    sizes: list[dict[str, int]] = field(default_factory=list)
    shapes: list[ShapePrompt] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    clarifying: list[Clarifying] = field(default_factory=list)

    @property
    def interview_sizes(self) -> dict[str, int]:
        return self.sizes[0] if self.sizes else {}

    @property
    def probe(self) -> Path | None:
        if self.path is None:
            return None
        path = self.path.parent / PROBE
        return path if path.is_file() else None


@dataclass
class InterviewContent:
    parts: dict[str, PartContent]
    default_parts: list[str] = field(default_factory=list)
    minutes: float = 45.0
    prompt: str = ""
    clarifying: list[Clarifying] = field(default_factory=list)     # every file's, built-in first
    followups: list[FollowUp] = field(default_factory=list)        # every file's, built-in first
    diagnosis_dimensions: dict[str, str] = field(default_factory=dict)   # diagnosis id -> dimension
    files: list[Path] = field(default_factory=list)                # every file read

    def part(self, kata_id: str) -> PartContent:
        return self.parts.get(kata_id) or PartContent(kata_id)

    def clarifying_for(self, parts) -> list[Clarifying]:
        return [q for q in self.clarifying if q.shown_with(parts)]

    def followups_for(self, parts) -> list[FollowUp]:
        return [q for q in self.followups if q.part in parts]


# -- reading --------------------------------------------------------------------------

def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path}: {exc}") from None


class _Table:
    """Typed access to one TOML table, with errors that name the file and the entry."""

    def __init__(self, data, path: Path, where: str):
        if not isinstance(data, dict):
            raise ContentError(f"{path}: {where} must be a table")
        self.data, self.path, self.where = data, path, where

    def fail(self, message: str):
        raise ContentError(f"{self.path}: {self.where}: {message}")

    def text(self, key: str, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{key} must be a non-empty string")
        return " ".join(value.split()) if "\n" not in value.strip() else value.strip()

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false")
        return value

    def number(self, key: str, required: bool = True) -> float | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{key} must be a number")
        return float(value)

    def names(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(f"{key} must be a list of strings")
        return tuple(value)

    def ident(self, key: str = "id") -> str:
        value = self.text(key)
        if not _ID.fullmatch(value):
            self.fail(f"{key} {value!r} must be kebab-case (a-z, 0-9 and -)")
        return value

    def entries(self, key: str) -> list["_Table"]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise ContentError(f"{self.path}: [[{key}]] must be an array of tables")
        return [_Table(v, self.path, f"{key} {n}") for n, v in enumerate(value, 1)]


def _clarifying(t: _Table) -> Clarifying:
    important = t.flag("important")
    q = Clarifying(t.ident(), t.text("question"), t.text("answer"), important,
                   t.text("prevents", required=important), t.names("diagnoses"), t.names("parts"), str(t.path))
    t.where = f"clarifying question {q.id!r}"
    return q


def _followup(t: _Table, part: str | None) -> FollowUp:
    qid = t.ident()
    t.where = f"follow-up {qid!r}"
    part = part or t.text("part")
    dimension = t.text("dimension")
    if dimension not in DIMENSIONS:
        t.fail(f"dimension must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    kind = t.text("kind")
    if kind not in KINDS:
        t.fail(f"kind must be \"choice\" or \"number\", not {kind!r}")
    common = dict(id=qid, part=part, dimension=dimension, kind=kind, question=t.text("question"),
                  explanation=t.text("explanation"), unit=t.text("unit", required=False), source=str(t.path))
    if kind == "number":
        answer = t.number("answer")
        tolerance, factor = t.number("tolerance", required=False), t.number("within_factor", required=False)
        if (tolerance is None) == (factor is None):
            t.fail("a numeric question needs exactly one of tolerance (relative) and within_factor")
        if tolerance is not None and tolerance < 0:
            t.fail("tolerance must be >= 0")
        if factor is not None and factor < 1:
            t.fail("within_factor must be >= 1")
        if factor is not None and answer <= 0:
            t.fail("within_factor needs a positive answer")
        return FollowUp(**common, answer=answer, tolerance=tolerance, within_factor=factor)
    choices = t.names("choices")
    if not 2 <= len(choices) <= 6:
        t.fail(f"a multiple-choice question needs 2 to 6 choices, not {len(choices)}")
    folded = [" ".join(c.lower().split()) for c in choices]
    if len(set(folded)) != len(folded):
        t.fail("two choices say the same thing, so the right answer is not the only one")
    raw = t.data.get("answer")
    if isinstance(raw, str):  # the right option's own text
        hits = [i for i, c in enumerate(folded) if c == " ".join(raw.lower().split())]
        if len(hits) != 1:
            t.fail(f"answer {raw!r} must be exactly one of the choices")
        index = hits[0]
    elif isinstance(raw, int) and not isinstance(raw, bool):
        if not 0 <= raw < len(choices):
            t.fail(f"answer {raw} is not the index of a choice (0 to {len(choices) - 1})")
        index = raw
    else:
        t.fail("answer must be the 0-based index of the right choice, or its text")
    return FollowUp(**common, choices=choices, answer=float(index))


def _sizes(t: _Table) -> list[dict[str, int]]:
    out = []
    for s in t.entries("sizes"):
        sizes = {}
        for key, value in s.data.items():
            if not _SYMBOL.fullmatch(key) or key == SCALAR:
                s.fail(f"{key!r} is not a size name")
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                s.fail(f"{key} must be a whole number >= 2 (1 is kept for an axis of size one)")
            sizes[key] = value
        if not sizes:
            s.fail("is empty")
        if out and set(sizes) != set(out[0]):
            s.fail(f"names {', '.join(sorted(sizes))}, the first set names {', '.join(sorted(out[0]))}")
        if len(set(sizes.values())) != len(sizes):
            s.fail("two sizes are equal, so a swapped or transposed shape would not show")
        out.append(sizes)
    return out


def _shape(t: _Table, part: str, symbols: set[str]) -> ShapePrompt:
    tensor = t.text("tensor")
    t.where = f"shape of {tensor!r}"
    answer = "".join(t.text("answer").split())
    if answer != SCALAR:
        for dim in answer.split(","):
            if not (dim == "1" or dim in symbols):
                t.fail(f"answer {answer!r}: {dim!r} is neither a size name of [[sizes]] "
                       f"({', '.join(sorted(symbols)) or 'none'}) nor 1")
    return ShapePrompt(part, tensor, answer, t.text("why"))


def read_part(path: Path, part: str) -> PartContent:
    t = _Table(_read(path), path, "the file")
    quick = t.names("quick_checks") if "quick_checks" in t.data else ("shapes",)
    rubric = {}
    if "rubric" in t.data:
        r = _Table(t.data["rubric"], path, "[rubric]")
        for dim in r.data:
            if dim not in DIMENSIONS:
                r.fail(f"{dim!r} is not a rubric dimension ({', '.join(DIMENSIONS)})")
            rubric[dim] = list(r.names(dim))
    sizes = _sizes(t)
    symbols = set(sizes[0]) if sizes else set()
    content = PartContent(part, path, t.text("prompt", required=False), list(quick), rubric, sizes,
                          [_shape(s, part, symbols) for s in t.entries("shapes")],
                          [_followup(f, part) for f in t.entries("followups")],
                          [_clarifying(c) for c in t.entries("clarifying")])
    if content.shapes and not sizes:
        raise ContentError(f"{path}: [[shapes]] need [[sizes]] that name their size symbols")
    return content


def read_common(path: Path) -> dict:
    """A katas/interview.toml: its settings, questions, follow-ups and diagnosis map."""
    t = _Table(_read(path), path, "the file")
    out = {"parts": list(t.names("parts")), "minutes": t.number("minutes", required=False),
           "prompt": t.text("prompt", required=False),
           "clarifying": [_clarifying(c) for c in t.entries("clarifying")],
           "followups": [_followup(f, None) for f in t.entries("followups")], "diagnoses": {}}
    if out["minutes"] is not None and out["minutes"] <= 0:
        t.fail("minutes must be > 0")
    rubric = _Table(t.data.get("rubric", {}), path, "[rubric]")
    diagnoses = _Table(rubric.data.get("diagnoses", {}), path, "[rubric.diagnoses]")
    for dim in diagnoses.data:
        if dim not in DIMENSIONS:
            diagnoses.fail(f"{dim!r} is not a rubric dimension ({', '.join(DIMENSIONS)})")
        for d in diagnoses.names(dim):
            out["diagnoses"].setdefault(d, dim)
    return out


def katas_dirs(catalog) -> list[Path]:
    """The katas/ folder of the built-in katas and of every pack in use, in catalog order."""
    return list(dict.fromkeys(k.folder.parent for k in catalog))


def load(catalog) -> InterviewContent:
    """Every interview file of the catalog's katas and packs. The built-in file sets the
    defaults (parts, minutes, prompt); every file adds questions and follow-ups."""
    content = InterviewContent(parts={})
    for n, folder in enumerate(katas_dirs(catalog)):
        path = folder / FILE
        if not path.is_file():
            continue
        common = read_common(path)
        content.files.append(path)
        if n == 0 or not content.prompt:
            content.prompt = content.prompt or common["prompt"]
            content.default_parts = content.default_parts or common["parts"]
            content.minutes = common["minutes"] or content.minutes
        content.clarifying += common["clarifying"]
        content.followups += common["followups"]
        for d, dim in common["diagnoses"].items():
            content.diagnosis_dimensions.setdefault(d, dim)
    for kata in catalog:
        path = kata.folder / FILE
        if path.is_file():
            part = read_part(path, kata.id)
            content.parts[kata.id] = part
            content.files.append(path)
            content.clarifying += part.clarifying
            content.followups += part.followups
    if not content.default_parts:
        content.default_parts = [k.id for k in catalog if k.id in content.parts][:5]
    return content
