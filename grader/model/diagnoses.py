"""Named mistakes: the `Diagnosis` type and the registry of diagnosis ids.

Checks only say *which* mistake they recognised (`diagnosis("sign-flip", evidence)`);
the name and explanation come from data (`diagnoses.toml` beside this file,
overridable per kata in kata.toml), and the hint from the kata's hint that
lists the id. The engine resolves every finding once, with its kata, so adding
or rewording a diagnosis never touches a check.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REGISTRY_FILE = Path(__file__).resolve().parent / "diagnoses.toml"
_FIELDS = ("id", "name", "explanation", "hint", "evidence")


@dataclass
class Diagnosis:
    """One recognised mistake. A check's raw finding has only `id`, `evidence` and
    `extra` (say, the function or the tensors it concerns); resolving adds the rest."""
    id: str
    name: str = ""
    explanation: str = ""
    hint: int | None = None
    evidence: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def coerce(cls, value) -> "Diagnosis":
        """A Diagnosis from itself, or from its dict form (a stored JSON record)."""
        if isinstance(value, Diagnosis):
            return value
        data = dict(value)
        return cls(id=str(data.pop("id", "?")), name=data.pop("name", "") or "",
                   explanation=data.pop("explanation", "") or "", hint=data.pop("hint", None),
                   evidence=data.pop("evidence", "") or "", extra=data)

    def to_dict(self) -> dict:
        out = {"id": self.id, "name": self.name or self.id, "explanation": self.explanation, "hint": self.hint}
        if self.evidence:
            out["evidence"] = self.evidence
        out.update({k: v for k, v in self.extra.items() if k not in _FIELDS})
        return out


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, dict]:
    """Built-in diagnoses: id -> {"name", "explanation"}, read once."""
    return tomllib.loads(REGISTRY_FILE.read_text(encoding="utf-8"))


def diagnosis(id: str, evidence: str = "", **extra) -> Diagnosis:
    """A raw finding, as a check reports it. `evidence` says what the numbers showed."""
    return Diagnosis(id=id, evidence=evidence, extra=extra)


def known_ids(kata=None) -> set[str]:
    return set(registry()) | set(getattr(kata, "diagnoses", None) or {})


def resolve(found: Diagnosis, kata=None, check_hint: int | None = None) -> Diagnosis:
    """The finding completed with its name, explanation and hint level (the kata's own
    wording first). Unknown ids are kept, named by their id, for `kata validate` to report.

    The hint is the one the kata links to this id, never the check's: a diagnosis that
    is not about the check's subject (an input modified in place, found by a check
    about the softmax) must not send the learner to that subject's hint. `check_hint`
    is accepted for the callers that pass it, and ignored."""
    entry = {**registry().get(found.id, {}), **(getattr(kata, "diagnoses", None) or {}).get(found.id, {})}
    return Diagnosis(id=found.id, name=found.name or entry.get("name") or found.id,
                     explanation=found.explanation or entry.get("explanation", ""),
                     hint=found.hint or hint_for(kata, found.id),
                     evidence=found.evidence, extra=dict(found.extra))


def hint_for(kata, id: str) -> int | None:
    """The 1-based level of the kata hint that lists `id` in its `diagnoses`."""
    for level, hint in enumerate(getattr(kata, "hints", None) or [], start=1):
        if id in (getattr(hint, "diagnoses", None) or ()):
            return level
    return None
