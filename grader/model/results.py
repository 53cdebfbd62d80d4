"""The one results model that every report format renders.

Checks produce `CheckResult`s, the engine groups them into `KataResult`s, and a
`GradeReport` holds a whole `kata grade` run. Renderers only read these objects;
`to_dict` is the JSON contract documented in docs/formats.md (bump SCHEMA_VERSION on
any incompatible change; new fields are additive and keep it).

Outcomes are typed: statuses are enums (which are also their JSON strings), a
check waiting on a stub and a failure of the grader itself are fields, never
deduced from wording.

Each kata's dict also has a `problems` list (additive, schema version 1): the
learner's bugs, each diagnosis once, grouped over the failing checks
(grader/model/problems.py). Each entry is

    {"id": diagnosis id, "name": its name, "explanation": what it means,
     "hint": the 1-based hint level it links, or null,
     "hint_title": that hint's title ("" when unknown; added by the JSON renderer),
     "evidence": [distinct evidence lines, at most 3],
     "checks": [names of the checks it explains, in report order]}

`not-implemented` is never a problem (a stub is waiting, not wrong); a failing
check no problem explains is listed only under `checks`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from enum import Enum

from grader.model.diagnoses import Diagnosis

SCHEMA_VERSION = 1


class Status(str, Enum):
    """One check's outcome."""
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


class KataStatus(str, Enum):
    """One kata's outcome, in the words `kata list` uses."""
    PASSED = "passed"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not-implemented"
    BROKEN = "error"       # nothing could be checked: the file did not load, or the grader failed

    def __str__(self) -> str:
        return self.value


PASS, FAIL, WARN, ERROR = Status.PASS, Status.FAIL, Status.WARN, Status.ERROR
STATUSES = tuple(Status)
PASSED, FAILED, NOT_IMPLEMENTED, BROKEN = (KataStatus.PASSED, KataStatus.FAILED, KataStatus.NOT_IMPLEMENTED,
                                           KataStatus.BROKEN)


@dataclass
class CheckResult:
    name: str                 # stable id, e.g. "batch-scaling"
    title: str                # what the check verifies, for humans
    status: Status            # pass, fail, warn or error
    message: str              # one line in the learner's terms
    details: list[str] = field(default_factory=list)   # a few short lines: expected vs got, where
    call: str | None = None   # the call that showed it, with shapes and dtypes
    seed: int | None = None   # reproduces the inputs of this check
    hint: int | None = None   # 1-based hint level that helps with a failure
    diagnoses: list[Diagnosis] = field(default_factory=list)  # named mistakes, resolved with the kata
    waiting: bool = False     # blocked by a function that is still a stub: not a failure of the learner yet
    internal: bool = False    # the grader itself failed here (a bug, a broken install): not the learner's
    cause: str = ""           # for an internal failure, the exception behind it ("TypeError: ...")

    def __post_init__(self):
        self.status = Status(self.status)
        self.diagnoses = [Diagnosis.coerce(d) for d in self.diagnoses]
        # A result read back from its JSON (or built by hand) says it through its diagnosis.
        self.waiting = self.waiting or any(d.id == "not-implemented" for d in self.diagnoses)

    @property
    def ok(self) -> bool:
        return self.status in (PASS, WARN)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["status"] = self.status.value
        out["diagnoses"] = [d.to_dict() for d in self.diagnoses]
        out["details"] = list(self.details)
        return out


@dataclass
class KataResult:
    id: str
    alias: str
    title: str
    learner_file: str = ""
    source: str = "built-in"  # where the kata comes from: built-in, a pack folder, an entry point
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""          # learner's captured stdout/stderr, already truncated
    output_truncated_bytes: int = 0
    duration_s: float = 0.0
    checks_s: float = 0.0     # of which running the checks (the learner's code and the comparisons)
    fatal: str | None = None  # set when the learner process died or could not load
    fatal_internal: bool = False  # ... because of the grader itself, not the learner's code
    stubbed: list[str] = field(default_factory=list)  # functions whose body is still the stub's raise

    @property
    def passed(self) -> bool:
        return self.fatal is None and bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def internal(self) -> bool:
        """The grader failed somewhere in this kata: its grade says nothing about the learner."""
        return self.fatal_internal or any(c.internal for c in self.checks)

    @property
    def not_implemented(self) -> list[str]:
        """Functions reported as still raising NotImplementedError."""
        names: list[str] = list(self.stubbed)
        for c in self.checks:
            for d in c.diagnoses:
                function = d.extra.get("function")
                if d.id == "not-implemented" and function and function not in names:
                    names.append(function)
        return names

    @property
    def status(self) -> KataStatus:
        if self.passed:
            return PASSED
        failing = [c for c in self.checks if not c.ok]
        if failing and all(c.waiting for c in failing):
            return NOT_IMPLEMENTED
        if self.fatal is not None and not self.checks:
            return BROKEN
        return FAILED

    @property
    def problems(self) -> list:
        """The learner's bugs: each diagnosis of the failing checks once (see problems.py)."""
        from grader.model import problems

        return problems.find(self.checks)

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in STATUSES}
        for c in self.checks:
            counts[c.status.value] += 1
        return counts

    def not_run_reason(self) -> str:
        """Why a check of the kata's full list is missing from its results."""
        if self.fatal:
            return f"did not run: {self.fatal}"
        if self.status == NOT_IMPLEMENTED:
            return f"did not run: waiting for {', '.join(self.not_implemented) or 'the stubs'} to be implemented"
        return "did not run"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "alias": self.alias,
            "title": self.title,
            "learner_file": self.learner_file,
            "source": self.source,
            "passed": self.passed,
            "status": self.status.value,
            "counts": self.counts(),
            "fatal": self.fatal,
            "not_implemented": self.not_implemented,
            "duration_s": round(self.duration_s, 3),
            "checks_s": round(self.checks_s, 3),
            "output": self.output,
            "output_truncated_bytes": self.output_truncated_bytes,
            "checks": [c.to_dict() for c in self.checks],
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class GradeReport:
    katas: list[KataResult]
    seed: int
    workspace: str
    reference: bool = False
    tool_version: str = ""
    isolation: str = ""       # what the learner's code ran under, e.g. "namespaces (bwrap 0.11)"

    @property
    def passed(self) -> bool:
        return bool(self.katas) and all(k.passed for k in self.katas)

    def to_dict(self) -> dict:
        return {
            "version": SCHEMA_VERSION,
            "tool_version": self.tool_version,
            "seed": self.seed,
            "workspace": self.workspace,
            "reference": self.reference,
            "isolation": self.isolation,
            "passed": self.passed,
            "katas": [k.to_dict() for k in self.katas],
        }


# C0 and C1 control characters except tab and newline, and DEL: what a terminal would
# act on (an ESC sequence can recolour, retitle or rewrite the screen).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` with every control character shown as a visible escape (\\x1b), never acted on."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if isinstance(text, str) else text


def _clean(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def scrub(result: KataResult) -> KataResult:
    """Clean every string a learner's code could have put into `result` (its output,
    exception messages, values in evidence), so no report format passes on control
    characters."""
    result.output = clean_text(result.output)
    result.fatal = clean_text(result.fatal) if result.fatal else result.fatal
    for c in result.checks:
        c.message = clean_text(c.message)
        c.details = _clean(c.details)
        c.call = clean_text(c.call) if c.call else c.call
        for d in c.diagnoses:
            d.evidence = clean_text(d.evidence)
            d.extra = _clean(d.extra)
    return result
