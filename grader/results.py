"""The one results model that every report format renders.

Checks produce `CheckResult`s, the engine groups them into `KataResult`s, and a
`GradeReport` holds a whole `kata grade` run. Renderers only read these objects;
`to_dict` is the JSON contract documented in the README (bump SCHEMA_VERSION on
any incompatible change).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = 1

PASS, FAIL, WARN, ERROR = "pass", "fail", "warn", "error"
STATUSES = (PASS, FAIL, WARN, ERROR)

# Kata-level outcomes, in the words `kata list` uses.
PASSED, FAILED, NOT_IMPLEMENTED, BROKEN = "passed", "failed", "not-implemented", "error"


@dataclass
class CheckResult:
    name: str                 # stable id, e.g. "batch-scaling"
    title: str                # what the check verifies, for humans
    status: str               # one of STATUSES
    message: str              # one line in the learner's terms
    details: list[str] = field(default_factory=list)   # a few short lines: expected vs got, where
    call: str | None = None   # the call that showed it, with shapes and dtypes
    seed: int | None = None   # reproduces the inputs of this check
    hint: int | None = None   # 1-based hint level that helps with a failure
    diagnoses: list[dict] = field(default_factory=list)  # {id, name, explanation}; filled by diagnosis code

    @property
    def ok(self) -> bool:
        return self.status in (PASS, WARN)


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
    fatal: str | None = None  # set when the learner process died or could not load
    stubbed: list[str] = field(default_factory=list)  # functions whose body is still the stub's raise

    @property
    def passed(self) -> bool:
        return self.fatal is None and bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def not_implemented(self) -> list[str]:
        """Functions reported as still raising NotImplementedError."""
        names: list[str] = list(self.stubbed)
        for c in self.checks:
            for d in c.diagnoses:
                if d.get("id") == "not-implemented" and d.get("function") not in names:
                    names.append(d["function"])
        return names

    @property
    def status(self) -> str:
        if self.passed:
            return PASSED
        failing = [c for c in self.checks if not c.ok]
        if failing and all(any(d.get("id") == "not-implemented" for d in c.diagnoses) for c in failing):
            return NOT_IMPLEMENTED
        if self.fatal is not None and not self.checks:
            return BROKEN
        return FAILED

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for c in self.checks:
            counts[c.status] += 1
        return counts

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "alias": self.alias,
            "title": self.title,
            "learner_file": self.learner_file,
            "source": self.source,
            "passed": self.passed,
            "status": self.status,
            "counts": self.counts(),
            "fatal": self.fatal,
            "not_implemented": self.not_implemented,
            "duration_s": round(self.duration_s, 3),
            "output": self.output,
            "output_truncated_bytes": self.output_truncated_bytes,
            "checks": [asdict(c) for c in self.checks],
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
        c.diagnoses = _clean(c.diagnoses)
    return result
