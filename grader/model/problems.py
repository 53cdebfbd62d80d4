"""A kata's problems: the learner's bugs, each named once, with the checks it explains.

Checks report findings one check at a time, so one bug (an input modified in
place, a bias gradient kept as (1, n)) shows up in every check that trips over
it. Reports lead with the bugs instead: the failing checks' diagnoses grouped by
id, in the order they were first found, each with its distinct evidence, the
checks it explains and its hint. A check whose failure no diagnosis explains
stays a failure of its own (`unexplained`).

Hints follow the diagnoses: a problem links the hint its diagnosis links, a
plain failure of a check's own subject links the check's hint, and a failure
that is the learner's code raising points to its traceback, never to a hint.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from grader.model.diagnoses import Diagnosis

MAX_EVIDENCE = 3          # distinct evidence lines a problem shows; more only repeat the point
NOT_A_BUG = {"not-implemented"}   # a stub is waiting, not wrong
SUPPORTS = "supports"   # a Diagnosis.extra flag: the finding agrees with a mistake but cannot prove it


@dataclass
class Problem:
    id: str                   # the diagnosis id
    name: str
    explanation: str = ""
    hint: int | None = None   # the 1-based hint level its diagnosis links, if any
    evidence: list[str] = field(default_factory=list)  # distinct, at most MAX_EVIDENCE
    checks: list[str] = field(default_factory=list)    # names of the checks it explains, in report order
    number: int = 0           # 1-based position in the kata's list

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "explanation": self.explanation, "hint": self.hint,
                "evidence": list(self.evidence), "checks": list(self.checks)}


def failing(check) -> bool:
    """A check that counts against the learner: failed or errored, and not waiting for a stub."""
    return check.status.value in ("fail", "error") and not check.waiting


def learner_exception(check) -> bool:
    """The learner's code raised (or crashed) in this check: its traceback is the lead."""
    return check.status.value == "error" and not check.waiting and not check.internal


def find(checks) -> list[Problem]:
    """The distinct diagnoses of the failing `checks`, grouped by id, in order of discovery.
    A problem's evidence lists what proves it before what only agrees with it."""
    found: dict[str, Problem] = {}
    support: dict[str, list[str]] = {}
    for check in checks:
        if not failing(check):
            continue
        for d in check.diagnoses:
            if d.id in NOT_A_BUG:
                continue
            problem = found.get(d.id)
            if problem is None:
                problem = found[d.id] = Problem(d.id, d.name or d.id, d.explanation, d.hint,
                                                number=len(found) + 1)
                support[d.id] = []
            problem.hint = problem.hint or d.hint
            lines = support[d.id] if d.extra.get(SUPPORTS) else problem.evidence
            if d.evidence and d.evidence not in lines:
                lines.append(d.evidence)
            if check.name not in problem.checks:
                problem.checks.append(check.name)
    for problem in found.values():
        problem.evidence = list(dict.fromkeys(problem.evidence + support[problem.id]))[:MAX_EVIDENCE]
    return list(found.values())


def settle_supporting(checks) -> None:
    """Keep a supporting finding (say, one tensor exactly B× off at one batch size) only
    where another check proves the same mistake; drop it everywhere else. So a bug one
    check proves is also named on the checks it breaks, and nothing is named on a
    coincidence. Kept ones keep the flag (JSON shows it), and their evidence comes last."""
    proven = {d.id for c in checks for d in c.diagnoses if not d.extra.get(SUPPORTS)}
    for check in checks:
        kept = []
        for d in check.diagnoses:
            if d.extra.get(SUPPORTS) and d.id not in proven:
                continue
            kept.append(d)
        check.diagnoses = kept


SHAPE_ERROR = "shape-error"


def _signature(kind: str, shapes: list[tuple]) -> bool:
    """The operands of a shape exception show this kind of wrong shape: an (n,) meeting a
    (1, n) or (n, 1) for a kept axis, an (a, b) meeting its transpose (b, a)."""
    if kind == "bias-keepdims":
        return any(len(s) == 1 and ((1, s[0]) in shapes or (s[0], 1) in shapes) for s in shapes)
    if kind == "wrong-transpose":
        return any(len(s) == 2 and s[0] != s[1] and (s[1], s[0]) in shapes for s in shapes)
    return False


def fold_shape_consequences(checks) -> None:
    """A learner exception about shapes that a wrong shape already flagged explains (a
    db of shape (1, n) that `b -= lr * db` then trips over; the same kind of wrong shape
    at another layer's size) is that same bug: it is named by the flagged diagnosis, with
    the exception's evidence supporting it, not as a second problem."""
    flagged = [d for c in checks for d in c.diagnoses if d.id != SHAPE_ERROR and d.extra.get("got")]
    for check in checks:
        for i, d in enumerate(check.diagnoses):
            if d.id != SHAPE_ERROR:
                continue
            shapes = [tuple(s) for s in d.extra.get("shapes") or ()]
            cause = next((f for f in flagged if tuple(f.extra["got"]) in shapes), None) or next(
                (f for f in flagged if _signature(f.id, shapes)), None)
            if cause is not None:
                check.diagnoses[i] = replace(cause, evidence=d.evidence, extra={**cause.extra, SUPPORTS: True})


def explaining(problems: list[Problem], check) -> list[Problem]:
    """The problems that explain `check` (a failing check's own diagnoses, already listed)."""
    ids = {d.id for d in check.diagnoses}
    return [p for p in problems if p.id in ids]


def unexplained(checks, problems: list[Problem]) -> list:
    """Failing checks that no problem explains: shown as failures of their own."""
    return [c for c in checks if failing(c) and not explaining(problems, c)]


def hint_levels(check, diagnoses: list[Diagnosis] | None = None) -> list[int]:
    """The hint levels that go with `check`: those its diagnoses link; for a plain
    failure (no diagnosis, not an exception of the learner's code) the check's own."""
    diagnoses = check.diagnoses if diagnoses is None else diagnoses
    if diagnoses:
        levels = [d.hint for d in diagnoses]
    elif learner_exception(check) or check.internal or check.waiting:
        levels = []
    else:
        levels = [check.hint]
    return list(dict.fromkeys(level for level in levels if level))
