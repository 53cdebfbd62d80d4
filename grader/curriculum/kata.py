"""The `Kata` record and the schema of `kata.toml`.

A Kata is plain data read from its folder: it imports nothing, so it pickles
(grade-class sends katas to its workers) and every layer can hold one. Its
checks and references are imported by `curriculum.loading`, the one place that
loads Python files.
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

# kata.toml's format. A file may say `format_version = N`; one newer than this
# grader understands is refused rather than half read.
FORMAT_VERSION = 1
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")


class CatalogError(Exception):
    """A kata definition is missing or malformed (an author's error, not a learner's)."""


@dataclass(frozen=True)
class Hint:
    title: str
    text: str
    diagnoses: tuple[str, ...] = ()  # diagnosis ids this hint helps with


@dataclass
class Kata:
    id: str
    alias: str
    order: int
    title: str
    interview_part: str
    learner_file: str
    functions: list[str]
    framework: str
    folder: Path
    solutions_dir: Path
    points: float = 10.0
    # [check_points] in kata.toml: check name -> points; checks not listed share the rest evenly.
    check_points: dict[str, float] = field(default_factory=dict)
    hints: list[Hint] = field(default_factory=list)
    diagnoses: dict[str, dict] = field(default_factory=dict)  # kata-specific names/explanations by id
    source: str = "built-in"  # or a pack's folder, or "entry point NAME (DIST VERSION)"
    pack_index: int = 0       # 0 built-in, then packs in the order found: katas sort by (pack, order, id)

    @property
    def builtin(self) -> bool:
        return self.source == "built-in"

    @property
    def stub_path(self) -> Path:
        return self.folder / self.learner_file

    @property
    def reference_path(self) -> Path:
        return self.solutions_dir / self.learner_file

    @property
    def checks_path(self) -> Path:
        return self.folder / "checks.py"

    @property
    def instructions(self) -> str:
        path = self.folder / "instructions.md"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @property
    def explanation(self) -> str:
        """The derivation said aloud, every shape named (`explain.md`); "" if there is none."""
        path = self.folder / "explain.md"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @property
    def questions(self) -> list[dict]:
        """Interviewer follow-ups from `questions.toml`: [{id, question, answer}], in file order."""
        path = self.folder / "questions.toml"
        if not path.exists():
            return []
        try:
            items = tomllib.loads(path.read_text(encoding="utf-8")).get("questions", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CatalogError(f"{path}: {exc}") from None
        keys = ("id", "question", "answer")
        for n, item in enumerate(items if isinstance(items, list) else [None], 1):
            if not (isinstance(item, dict) and all(isinstance(item.get(k), str) and item[k].strip() for k in keys)):
                raise CatalogError(f"{path}: question {n} needs non-empty strings {', '.join(keys)}")
        return [{k: item[k].strip() for k in keys} for item in items]


def _check_points(meta: dict, meta_path: Path) -> dict[str, float]:
    """The optional [check_points] table, validated: an author's typo must not silently change a grade."""
    table = meta.get("check_points", {})
    if not isinstance(table, dict):
        raise CatalogError(f"{meta_path}: check_points must be a table of check name = points")
    bad = [k for k, v in table.items() if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0]
    if bad:
        raise CatalogError(f"{meta_path}: check_points for {', '.join(bad)} must be numbers >= 0")
    total = float(meta.get("points", 10))
    if sum(table.values()) > total + 1e-9:
        raise CatalogError(f"{meta_path}: check_points add up to {sum(table.values()):g}, more than points = {total:g}")
    return {k: float(v) for k, v in table.items()}


def _check_meta(meta: dict, meta_path: Path) -> None:
    """The types of kata.toml's keys: a pack author's slip is one clear line naming the file."""
    version = meta.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CatalogError(f"{meta_path}: format_version must be a whole number >= 1")
    if version > FORMAT_VERSION:
        raise CatalogError(f"{meta_path}: format_version {version} is newer than this grader reads "
                           f"({FORMAT_VERSION}): upgrade backprop-katas")
    missing = [k for k in ("id", "alias", "title", "learner_file", "functions") if k not in meta]
    if missing:
        raise CatalogError(f"{meta_path}: missing keys {', '.join(missing)}")
    for key in ("id", "alias", "title", "learner_file", "interview_part", "framework"):
        if key in meta and not (isinstance(meta[key], str) and meta[key].strip()):
            raise CatalogError(f"{meta_path}: {key} must be a non-empty string")
    functions = meta["functions"]
    if not (isinstance(functions, list) and functions and all(isinstance(f, str) and f.isidentifier()
                                                              for f in functions)):
        raise CatalogError(f"{meta_path}: functions must be a non-empty list of function names")
    if not MODULE_NAME.fullmatch(meta["learner_file"]):
        raise CatalogError(f"{meta_path}: learner_file must be a Python module file name like part2_linear.py, "
                           f"not {meta['learner_file']!r}")
    if meta.get("framework", "numpy") not in ("numpy", "torch"):
        raise CatalogError(f"{meta_path}: framework must be \"numpy\" or \"torch\"")
    for key in ("order", "points"):
        if key in meta and (isinstance(meta[key], bool) or not isinstance(meta[key], (int, float))):
            raise CatalogError(f"{meta_path}: {key} must be a number")
    hints = meta.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, dict) and isinstance(h.get("text"), str)
                                              for h in hints):
        raise CatalogError(f"{meta_path}: each [[hints]] entry needs a text = \"...\" string")
    if not isinstance(meta.get("diagnoses", {}), dict):
        raise CatalogError(f"{meta_path}: diagnoses must be a table of [diagnoses.\"id\"] entries")


def read_kata(folder: Path, solutions_dir: Path, source: str = "built-in", pack_index: int = 0) -> Kata:
    """The Kata described by `folder/kata.toml`, its reference in `solutions_dir`."""
    meta_path = folder / "kata.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{meta_path}: {exc}") from None
    _check_meta(meta, meta_path)
    return Kata(
        id=meta["id"], alias=meta["alias"], order=int(meta.get("order", 0)), title=meta["title"],
        interview_part=meta.get("interview_part", ""), learner_file=meta["learner_file"],
        functions=list(meta["functions"]), framework=meta.get("framework", "numpy"),
        folder=folder, solutions_dir=solutions_dir, points=float(meta.get("points", 10)),
        check_points=_check_points(meta, meta_path),
        hints=[Hint(h.get("title", ""), h["text"], tuple(h.get("diagnoses", ()))) for h in meta.get("hints", [])],
        diagnoses=dict(meta.get("diagnoses", {})), source=source, pack_index=pack_index,
    )
