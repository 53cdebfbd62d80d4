"""What a report needs to know about a kata beyond its results (from the catalog,
found by the grading layer, so that renderers depend on the model alone)."""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_POINTS = 10.0  # a kata's worth when no catalog says otherwise (as in kata.toml)


@dataclass
class KataFacts:
    hint_titles: list[str] = field(default_factory=list)
    points: float = DEFAULT_POINTS
    check_points: dict[str, float] = field(default_factory=dict)
    # (name, title) of every check a complete run reports, in order; None when unknown.
    planned: list[tuple[str, str]] | None = None
    # The kata that comes after this one in the curriculum, as (id, title); None for the last.
    next_kata: tuple[str, str] | None = None

    def hint_title(self, level) -> str:
        return self.hint_titles[level - 1] if isinstance(level, int) and 0 < level <= len(self.hint_titles) else ""
