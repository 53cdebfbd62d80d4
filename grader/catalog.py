"""The curriculum as data: discover katas from `katas/<id>/kata.toml` folders.

Adding a kata means adding a folder (kata.toml, instructions.md, the stub, and
checks.py) plus its reference in `solutions/`; nothing here names a kata.
Katas kept outside this repository come in packs (`grader/packs.py`):
`Catalog.discover` puts the built-in katas first, then each pack's.
"""
from __future__ import annotations

import importlib.util
import re
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

    def reference_module(self, filename: str):
        """Another reference module of this kata's source (trusted code), e.g. part4's
        for part5, imported once."""
        cache = self.__dict__.setdefault("_reference_modules", {})
        if filename not in cache:
            path = self.solutions_dir / filename
            cache[filename] = _import_file(f"_kata_reference_file_{self.id}_{path.stem}", path)
        return cache[filename]

    @cached_property
    def checks_module(self):
        return _import_file(f"_kata_checks_{self.id}", self.folder / "checks.py")

    @cached_property
    def checks(self) -> list:
        """The kata's hidden checks, in the order they run."""
        module = self.checks_module
        checks = getattr(module, "CHECKS", None)
        if not checks:
            raise CatalogError(f"{self.folder / 'checks.py'} defines no CHECKS list")
        return list(checks)


def _where(kata: Kata) -> str:
    """A kata's folder, and its source when the folder alone does not say it."""
    return f"{kata.folder} ({kata.source})" if kata.builtin or kata.source.startswith("entry point") else str(
        kata.folder)


# Every katas/ and solutions/ folder this process has loaded: the sandbox keeps them
# out of the learner's sight.
_LOADED_FOLDERS: set[str] = {str(BUILTIN_KATAS), str(BUILTIN_SOLUTIONS)}


def known_kata_folders() -> list[str]:
    return sorted(_LOADED_FOLDERS)


def _load_dir(katas_dir: Path, solutions_dir: Path, source: str, pack_index: int) -> list[Kata]:
    _LOADED_FOLDERS.update((str(katas_dir), str(solutions_dir)))
    try:
        folders = sorted(p for p in katas_dir.iterdir() if (p / "kata.toml").is_file())
    except OSError as exc:
        raise CatalogError(f"cannot read the katas in {katas_dir}: {exc}") from None
    return [_load_kata(p, solutions_dir, source, pack_index) for p in folders]


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


MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")


def _check_meta(meta: dict, meta_path: Path) -> None:
    """The types of kata.toml's keys: a pack author's slip is one clear line naming the file."""
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


def _load_kata(folder: Path, solutions_dir: Path, source: str = "built-in", pack_index: int = 0) -> Kata:
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


class Catalog:
    """All known katas, ordered; look-ups accept ids and aliases."""

    def __init__(self, katas: list[Kata]):
        self.katas = sorted(katas, key=lambda k: (k.pack_index, k.order, k.id))
        self._by_name: dict[str, Kata] = {}
        by_file: dict[str, Kata] = {}
        for kata in self.katas:
            for name in (kata.id, kata.alias):
                other = self._by_name.get(name)
                if other is not None and other is not kata:
                    raise CatalogError(f"kata name {name!r} is used by both {_where(other)} and {_where(kata)}: "
                                       "ids and aliases must be unique across the built-in katas and every pack; "
                                       "rename one of them in its kata.toml")
                self._by_name[name] = kata
            other = by_file.setdefault(kata.learner_file, kata)
            if other is not kata:
                raise CatalogError(f"learner file {kata.learner_file!r} is used by both {_where(other)} and "
                                   f"{_where(kata)}: each kata needs its own file in the workspace")

    @property
    def packs(self) -> list[str]:
        """The sources other than the built-in katas, in order."""
        return list(dict.fromkeys(k.source for k in self.katas if not k.builtin))

    @classmethod
    def builtin(cls) -> "Catalog":
        return cls.from_dirs(BUILTIN_KATAS, BUILTIN_SOLUTIONS)

    @classmethod
    def from_dirs(cls, katas_dir: Path, solutions_dir: Path, source: str = "built-in") -> "Catalog":
        return cls(_load_dir(Path(katas_dir), Path(solutions_dir), source, 0))

    @classmethod
    def discover(cls, katas_dirs=(), env: str | None = None, recorded=(), entry_points: bool = True,
                 warn=None) -> "Catalog":
        """The built-in katas, then every pack's (see `grader.packs.find_packs` for the order)."""
        from grader.packs import find_packs

        katas = _load_dir(BUILTIN_KATAS, BUILTIN_SOLUTIONS, "built-in", 0)
        for index, pack in enumerate(find_packs(katas_dirs, env, recorded, entry_points, warn), start=1):
            katas += _load_dir(pack.katas_dir, pack.solutions_dir, pack.source, index)
        return cls(katas)

    def find(self, name: str) -> Kata | None:
        return self._by_name.get(name)

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
