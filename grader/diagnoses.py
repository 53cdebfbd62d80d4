"""Named mistakes: the registry of diagnosis ids, and turning a check's raw
finding into the dict every report shows.

Checks only say *which* mistake they recognised (`diagnosis("sign-flip", evidence)`);
the name and explanation come from data (`grader/diagnoses.toml`, overridable per
kata in kata.toml), and the hint from the kata's hint that lists the id. So
adding a diagnosis, or rewording one, never touches a check.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REGISTRY_FILE = Path(__file__).resolve().parent / "diagnoses.toml"


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, dict]:
    """Built-in diagnoses: id -> {"name", "explanation"}."""
    return tomllib.loads(REGISTRY_FILE.read_text(encoding="utf-8"))


def diagnosis(id: str, evidence: str = "", **extra) -> dict:
    """A raw finding, as a check reports it. `evidence` says what the numbers showed."""
    found = {"id": id, **extra}
    if evidence:
        found["evidence"] = evidence
    return found


def known_ids(kata=None) -> set[str]:
    return set(registry()) | set(getattr(kata, "diagnoses", None) or {})


def resolve(found: dict, kata=None, check_hint: int | None = None) -> dict:
    """Complete a raw finding with its name, explanation and hint level.

    Unknown ids are kept (an author's typo should show up, not vanish) with the id
    as their name; `kata validate` reports them.
    """
    entry = {**registry().get(found["id"], {}), **(getattr(kata, "diagnoses", None) or {}).get(found["id"], {})}
    out = {"id": found["id"],
           "name": found.get("name") or entry.get("name") or found["id"],
           "explanation": found.get("explanation") or entry.get("explanation", ""),
           "hint": found.get("hint") or hint_for(kata, found["id"]) or check_hint}
    for key, value in found.items():
        out.setdefault(key, value)
    return out


def hint_for(kata, id: str) -> int | None:
    """The 1-based level of the kata hint that lists `id` in its `diagnoses`."""
    for level, hint in enumerate(getattr(kata, "hints", None) or [], start=1):
        if id in (getattr(hint, "diagnoses", None) or ()):
            return level
    return None
