"""The curriculum as data: discover katas from `katas/<id>/kata.toml` folders.

Adding a kata means adding a folder (kata.toml, instructions.md, the stub, and
checks.py) plus its reference in `solutions/`; nothing here names a kata.
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_KATAS = PACKAGE_ROOT / "katas"
BUILTIN_SOLUTIONS = PACKAGE_ROOT / "solutions"


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

    @property
    def stub_path(self) -> Path:
        return self.folder / self.learner_file

    @property
    def reference_path(self) -> Path:
        return self.solutions_dir / self.learner_file

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

    @cached_property
    def reference(self):
        """The reference module, imported in the grader's process (trusted code)."""
        return _import_file(f"_kata_reference_{self.id}", self.reference_path)

    @cached_property
    def checks(self) -> list:
        """The kata's hidden checks, in the order they run."""
        module = _import_file(f"_kata_checks_{self.id}", self.folder / "checks.py")
        checks = getattr(module, "CHECKS", None)
        if not checks:
            raise CatalogError(f"{self.folder / 'checks.py'} defines no CHECKS list")
        return list(checks)


def _import_file(name: str, path: Path):
    if not path.exists():
        raise CatalogError(f"missing file: {path}")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


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


def _load_kata(folder: Path, solutions_dir: Path) -> Kata:
    meta_path = folder / "kata.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{meta_path}: {exc}") from None
    missing = [k for k in ("id", "alias", "title", "learner_file", "functions") if k not in meta]
    if missing:
        raise CatalogError(f"{meta_path}: missing keys {', '.join(missing)}")
    return Kata(
        id=meta["id"], alias=meta["alias"], order=int(meta.get("order", 0)), title=meta["title"],
        interview_part=meta.get("interview_part", ""), learner_file=meta["learner_file"],
        functions=list(meta["functions"]), framework=meta.get("framework", "numpy"),
        folder=folder, solutions_dir=solutions_dir, points=float(meta.get("points", 10)),
        check_points=_check_points(meta, meta_path),
        hints=[Hint(h.get("title", ""), h["text"], tuple(h.get("diagnoses", ()))) for h in meta.get("hints", [])],
        diagnoses=dict(meta.get("diagnoses", {})),
    )


class Catalog:
    """All known katas, ordered; look-ups accept ids and aliases."""

    def __init__(self, katas: list[Kata]):
        self.katas = sorted(katas, key=lambda k: (k.order, k.id))
        self._by_name: dict[str, Kata] = {}
        for kata in self.katas:
            for name in (kata.id, kata.alias):
                other = self._by_name.get(name)
                if other is not None and other is not kata:
                    raise CatalogError(f"kata name {name!r} is used by both {other.folder} and {kata.folder}")
                self._by_name[name] = kata

    @classmethod
    def builtin(cls) -> "Catalog":
        return cls.from_dirs(BUILTIN_KATAS, BUILTIN_SOLUTIONS)

    @classmethod
    def from_dirs(cls, katas_dir: Path, solutions_dir: Path) -> "Catalog":
        folders = sorted(p for p in Path(katas_dir).iterdir() if (p / "kata.toml").is_file())
        return cls([_load_kata(p, Path(solutions_dir)) for p in folders])

    def get(self, name: str) -> Kata:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(f"{k.id} ({k.alias})" for k in self.katas)
            raise KeyError(f"no kata named {name!r}; known katas: {known}") from None

    def __iter__(self):
        return iter(self.katas)

    def __len__(self):
        return len(self.katas)
