"""Points: what a kata's checks are worth, and what a result scores.

A kata is worth its `points` (kata.toml); a check listed in `[check_points]` is
worth that much, and the checks not listed share the rest evenly, in whole cents
so the parts add up exactly. A passed or warned check scores its full points,
anything else 0. The points are split over the kata's full check list, not over
the checks that happened to run, so a run that stopped early keeps the same
maximum. Gradescope's tests, the gradebook and the interview scorecard all score
through here.
"""
from __future__ import annotations

from grader.model.facts import KataFacts
from grader.model.results import KataResult


def split_points(total: float, names: list[str], fixed: dict[str, float]) -> dict[str, float]:
    """Points per check: `fixed` ones as given, the rest of `total` shared evenly by
    the others, rounded to cents with the leftover cents going to the first ones."""
    rest = [n for n in names if n not in fixed]
    cents = max(0, round((total - sum(fixed.get(n, 0.0) for n in names)) * 100))
    share, extra = divmod(cents, len(rest)) if rest else (0, 0)
    points = {n: float(fixed[n]) for n in names if n in fixed}
    for i, name in enumerate(rest):
        points[name] = (share + (i < extra)) / 100
    return {n: points[n] for n in names}


def check_worth(result: KataResult, facts: KataFacts) -> dict[str, float]:
    """Check name -> points, over the kata's full check list (or the checks that ran,
    when the list is unknown)."""
    planned = facts.planned or [(c.name, c.title) for c in result.checks]
    return split_points(facts.points, [name for name, _ in planned], facts.check_points)


def kata_points(result: KataResult, facts: KataFacts) -> tuple[float, float]:
    """(points scored, points possible) for one kata."""
    worth = check_worth(result, facts)
    if not worth:  # nothing ran and the check list is unknown: the kata's points, none scored
        return 0.0, round(facts.points, 2)
    scored = sum(worth[c.name] for c in result.checks if c.name in worth and c.ok)
    return round(scored, 2), round(sum(worth.values()), 2)
