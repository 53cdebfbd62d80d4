"""The curriculum as data: all known katas, ordered, found by id or alias.

Katas are discovered from `katas/<id>/kata.toml` folders: the built-in ones
first, then every pack's (`curriculum.packs`). Adding a kata means adding a
folder (kata.toml, instructions.md, the stub, checks.py) plus its reference in
`solutions/`; nothing here names a kata.
"""
from __future__ import annotations

import re
from pathlib import Path

from grader.curriculum.kata import CatalogError, Kata, read_kata
from grader.curriculum.packs import find_packs
from grader.curriculum.paths import BUILTIN_KATAS, BUILTIN_SOLUTIONS, remember_folders


def _where(kata: Kata) -> str:
    """A kata's folder, and its source when the folder alone does not say it."""
    return f"{kata.folder} ({kata.source})" if kata.builtin or kata.source.startswith("entry point") else str(
        kata.folder)


def _load_dir(katas_dir: Path, solutions_dir: Path, source: str, pack_index: int) -> list[Kata]:
    remember_folders(katas_dir, solutions_dir)
    try:
        folders = sorted(p for p in katas_dir.iterdir() if (p / "kata.toml").is_file())
    except OSError as exc:
        raise CatalogError(f"cannot read the katas in {katas_dir}: {exc}") from None
    return [read_kata(p, solutions_dir, source, pack_index) for p in folders]


def _normal(name: str) -> str:
    """A name as typed, reduced to what identifies a kata: no folder, no extension, lower
    case, `Part 1` and `part_1` both `part1`."""
    name = re.split(r"[\\/]", name.strip())[-1].lower()
    name = re.sub(r"\.(py|ipynb)$", "", name)
    return re.sub(r"^part[\s_-]*(\d+)$", r"part\1", name)


def _names_of(kata: Kata) -> set[str]:
    """Every spelling that names this kata by itself."""
    names = {kata.id.lower(), kata.alias.lower(), _normal(kata.learner_file)}
    number = re.fullmatch(r"part(\d+)", kata.id.lower())
    if number:  # a built-in kata's number alone: `kata grade 1`
        names.add(number.group(1))
    return names


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
        katas = _load_dir(BUILTIN_KATAS, BUILTIN_SOLUTIONS, "built-in", 0)
        for index, pack in enumerate(find_packs(katas_dirs, env, recorded, entry_points, warn), start=1):
            katas += _load_dir(pack.katas_dir, pack.solutions_dir, pack.source, index)
        return cls(katas)

    def find(self, name: str) -> Kata | None:
        """The kata with this exact id or alias, else None (what stored records name)."""
        return self._by_name.get(name)

    def lookup(self, name: str) -> Kata | None:
        """The kata a person means by `name`, when only one fits: an id or alias in any
        case, its learner file (`part1_softmax_ce.py`, with or without a folder or
        `.py`/`.ipynb`), `Part1`, `part 1` or a bare number `1`."""
        if name in self._by_name:
            return self._by_name[name]
        key = _normal(name)
        matches = {id(k): k for k in self.katas if key in _names_of(k)}
        return next(iter(matches.values())) if len(matches) == 1 else None

    def suggest(self, name: str) -> list[Kata]:
        """Katas whose names are close to a mistyped `name` (at most three, best first):
        those with a word that is `name` (`softmax` in `softmax-ce`), else the closest whole
        names, else the closest words (difflib). More than three equally close is no
        suggestion at all: `part9` is near every `partN`."""
        import difflib

        key = _normal(name)
        whole = [(n, k) for k in self.katas for n in _names_of(k)]
        words = [(w, k) for k in self.katas for n in _names_of(k) for w in re.split(r"[-_ ]", n) if len(w) > 2]
        exact = [(w, k) for w, k in words if w == key]
        for candidates, cutoff in ((exact, 1.0), (whole, 0.6), (words, 0.8)):
            scored = sorted(((difflib.SequenceMatcher(None, key, n).ratio(), k) for n, k in candidates),
                            key=lambda sk: -sk[0])
            scored = [(score, k) for score, k in scored if score >= cutoff]
            if scored:
                close = list({id(k): k for score, k in scored if score >= scored[0][0] - 0.05}.values())
                return close if len(close) <= 3 else []
        return []

    def get(self, name: str) -> Kata:
        kata = self.lookup(name)
        if kata is not None:
            return kata
        close = self.suggest(name)
        if len(close) == 1:
            k = close[0]
            raise KeyError(f"no kata named {name!r}. Did you mean {k.id} ({k.alias}: {k.title})?")
        if close:
            shown = ", ".join(f"{k.id} ({k.alias})" for k in close)
            raise KeyError(f"no kata named {name!r}. Did you mean one of {shown}? (`kata list` shows them all)")
        known = ", ".join(f"{k.id} ({k.alias})" for k in self.katas)
        raise KeyError(f"no kata named {name!r}; known katas: {known}")

    def __iter__(self):
        return iter(self.katas)

    def __len__(self):
        return len(self.katas)
