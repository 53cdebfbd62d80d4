"""Kata packs: katas kept outside this repository.

A pack is a folder laid out like this repository's own data:

    <pack>/katas/<id>/kata.toml, instructions.md, the stub, checks.py, mistakes/, variants/
    <pack>/solutions/<learner_file>          the reference

The built-in katas always come first; packs are then found, in this order:

1. `--katas DIR` (repeatable, on `kata` or on any command that uses the katas);
2. `$KATA_PATH`, folders separated by `os.pathsep`;
3. the folders `kata init` recorded in the workspace, so commands run inside it
   see the same katas without repeating `--katas`;
4. installed packages that declare an entry point in the group
   `backprop_katas.packs`. The entry point loads to the pack folder (a `str` or
   `os.PathLike`; relative paths are taken from the module's folder), to a module
   or package whose folder is the pack root, or to a callable returning either.

The same folder found twice is one pack. Nothing here reads a kata: the catalog
does, and it reports clashing ids and broken kata.toml files.
"""
from __future__ import annotations

import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from grader.curriculum.kata import CatalogError
from grader.curriculum.paths import BUILTIN_ROOT

ENTRY_POINT_GROUP = "backprop_katas.packs"
ENV_VAR = "KATA_PATH"
BUILTIN = "built-in"


@dataclass(frozen=True)
class Pack:
    root: Path      # resolved
    source: str     # how `kata list` names it: the folder, or "entry point NAME (DIST VERSION)"
    origin: str     # how it was found: "--katas", "KATA_PATH", "the workspace", or the entry point

    @property
    def katas_dir(self) -> Path:
        return self.root / "katas"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"


def folder_pack(path, origin: str, source: str | None = None) -> Pack:
    """The pack at `path`, checked to look like one; a clear CatalogError if it does not."""
    root = Path(path).expanduser().resolve()
    if not root.exists():
        raise CatalogError(f"the kata pack {root} (from {origin}) does not exist")
    if not root.is_dir():
        raise CatalogError(f"the kata pack {root} (from {origin}) is not a folder")
    if not (root / "katas").is_dir():
        if any(root.glob("*/kata.toml")):
            advice = f"it looks like a katas/ folder itself: pass its parent, {root.parent}"
        elif (root / "kata.toml").is_file():
            advice = "it looks like a single kata's folder: pass the pack folder that holds katas/<id>/"
        else:
            advice = f"start one with `kata new ID --title TITLE --katas {root}`"
        raise CatalogError(f"{root} (from {origin}) is not a kata pack: it has no katas/ folder. A pack holds "
                           f"katas/<id>/kata.toml and solutions/<learner file>; {advice}")
    return Pack(root, source or str(root), origin)


def split_path_list(value: str | None) -> list[str]:
    """The folders of a $KATA_PATH-style value (empty entries ignored)."""
    return [p for p in (value or "").split(os.pathsep) if p.strip()]


# -- entry points ------------------------------------------------------------------

def _may_declare_entry_points() -> bool:
    """Whether any installed distribution's entry_points.txt names our group.

    A cheap scan of sys.path (a few ms), so the common case (no pack installed)
    never imports importlib.metadata, which costs ~40 ms of start-up on its own.
    Anything it cannot read quickly (a zip on sys.path) answers "maybe".
    """
    needle = f"[{ENTRY_POINT_GROUP}]"
    for entry in sys.path:
        folder = Path(entry or ".")
        try:
            if folder.is_file():
                return True  # a zip/egg: let importlib.metadata look inside
            names = [e.name for e in os.scandir(folder) if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        for name in names:
            try:
                text = (folder / name / "entry_points.txt").read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if needle in text:
                return True
    return False


def _entry_point_root(ep) -> Path:
    value = ep.load()
    if callable(value) and not isinstance(value, (str, os.PathLike)):
        value = value()
    if isinstance(value, types.ModuleType):  # a module or package: its folder is the pack root
        if getattr(value, "__file__", None):
            return Path(value.__file__).resolve().parent
        paths = list(getattr(value, "__path__", []))
        if paths:
            return Path(paths[0]).resolve()
        raise TypeError(f"module {value.__name__} has neither __file__ nor __path__")
    if isinstance(value, (str, os.PathLike)):
        path = Path(value).expanduser()
        if not path.is_absolute():
            module = sys.modules.get(ep.module)
            base = Path(module.__file__).resolve().parent if getattr(module, "__file__", None) else Path.cwd()
            path = base / path
        return path
    raise TypeError(f"it loaded a {type(value).__name__}; expected a folder path (str or pathlib.Path), "
                    "a module whose folder is the pack, or a callable returning one of those")


def entry_point_packs() -> list[Pack]:
    """Packs declared by installed packages, in a stable order (by entry point name)."""
    if not _may_declare_entry_points():
        return []
    from importlib.metadata import entry_points

    packs = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        label = f"entry point {ep.name} ({dist.name} {dist.version})" if dist else f"entry point {ep.name}"
        try:
            root = _entry_point_root(ep)
        except Exception as exc:  # noqa: BLE001 - an installed package may raise anything
            raise CatalogError(f"{label} = {ep.value!r} in group {ENTRY_POINT_GROUP} cannot be loaded: "
                               f"{type(exc).__name__}: {exc}") from None
        packs.append(folder_pack(root, label, source=label))
    return packs


# -- everything, in order ----------------------------------------------------------

def find_packs(katas_dirs=(), env: str | None = None, recorded=(), entry_points: bool = True,
               warn=None) -> list[Pack]:
    """Every pack, in the order of the module docstring, each folder once.

    `env` is the value of $KATA_PATH (None: read it). `recorded` are the folders a
    workspace remembers; one that no longer exists is a warning (the learner may
    have moved it), not an error, because it was not asked for on this command line.
    """
    env = os.environ.get(ENV_VAR) if env is None else env
    found: list[Pack] = []
    seen = {BUILTIN_ROOT}  # the built-in katas are never a second pack

    def add(pack: Pack) -> None:
        if pack.root not in seen:
            seen.add(pack.root)
            found.append(pack)

    for path in katas_dirs:
        add(folder_pack(path, "--katas"))
    for path in split_path_list(env):
        add(folder_pack(path, ENV_VAR))
    for path in recorded:
        try:
            add(folder_pack(path, "the workspace"))
        except CatalogError as exc:
            if Path(path).exists():
                raise
            if warn:
                warn(f"warning: {exc}; its katas are not available here (pass --katas with its new place)")
    if entry_points:
        for pack in entry_point_packs():
            add(pack)
    return found
