"""The learner's workspace: a folder of stubs plus one state file that marks it.

Rules:
- nothing here deletes or overwrites a learner's file without first copying it
  into `.kata-backups/<timestamp>/`;
- the state file is written atomically (a reader, or a process killed at any
  moment, sees the old file or the new one, never half of one);
- a damaged or hand-edited state file gives a warning and a sanitised state,
  never a crash: every reader goes through `read_state`;
- read-modify-write of the state holds an exclusive lock on a lock file, so two
  `kata` processes in one workspace cannot lose each other's updates.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

STATE_FILE = ".kata-workspace.json"
LOCK_FILE = ".kata-workspace.lock"
BACKUP_DIR = ".kata-backups"
DEFAULT_DIR = "kata-workspace"
ENV_VAR = "KATA_WORKSPACE"
STATE_VERSION = 1


class WorkspaceError(Exception):
    """A setup problem the user must fix (exit code 2)."""


def find_workspace(explicit: str | None = None, cwd: Path | None = None) -> Path:
    """--workspace, else $KATA_WORKSPACE, else the nearest parent holding the state file."""
    for source, value in (("--workspace", explicit), (ENV_VAR, os.environ.get(ENV_VAR))):
        if value:
            path = Path(value).expanduser().resolve()
            if not (path / STATE_FILE).is_file():
                raise WorkspaceError(f"{path} (from {source}) is not a kata workspace: it has no {STATE_FILE}. "
                                     f"Create one with `kata init {value}`.")
            return path
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_FILE).is_file():
            return folder
    raise WorkspaceError(f"no kata workspace here: neither {here} nor a parent folder holds {STATE_FILE}. "
                         f"Create one with `kata init` (it makes ./{DEFAULT_DIR}), then cd into it, "
                         f"or pass --workspace DIR / set {ENV_VAR}.")


# -- learner files -----------------------------------------------------------------

@dataclass
class InitOutcome:
    workspace: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)        # existing files left alone
    replaced: list[str] = field(default_factory=list)    # overwritten under --force
    backup: Path | None = None


def backup_files(workspace: Path, names: list[str]) -> Path:
    """Copy the named files into a new `.kata-backups/<timestamp>/` folder; return it.

    The stamp has microseconds, and `mkdir` without exist_ok is the atomic claim,
    so two backups in the same second (or from two processes) never share a folder.
    """
    root = Path(workspace) / BACKUP_DIR
    root.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target, n = root / stamp, 1
    while True:
        try:
            target.mkdir()
            break
        except FileExistsError:
            n += 1
            target = root / f"{stamp}-{n}"
    for name in names:
        shutil.copy2(Path(workspace) / name, target / name)
    return target


def init_workspace(directory: Path, katas, force: bool = False) -> InitOutcome:
    directory = Path(directory).expanduser().resolve()
    if directory.exists() and not directory.is_dir():
        raise WorkspaceError(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)
    outcome = InitOutcome(directory)
    existing = [k.learner_file for k in katas if (directory / k.learner_file).exists()]
    if force and existing:
        outcome.backup = backup_files(directory, existing)
    for kata in katas:
        target = directory / kata.learner_file
        if target.exists() and not force:
            outcome.kept.append(kata.learner_file)
            continue
        (outcome.replaced if target.exists() else outcome.created).append(kata.learner_file)
        shutil.copyfile(kata.stub_path, target)
    with _locked(directory):
        if not (directory / STATE_FILE).is_file():
            write_state(directory, new_state())
    return outcome


@dataclass
class ResetOutcome:
    path: Path                    # the learner file, now the fresh stub
    backup: Path | None = None    # where the previous version went (None: nothing to keep)
    unchanged: bool = False       # it already was the stub


def reset_kata(workspace: Path, kata, warn=None) -> ResetOutcome:
    """Put the kata's stub back, after backing up the learner's current file."""
    workspace = Path(workspace)
    path = workspace / kata.learner_file
    outcome = ResetOutcome(path)
    stub = kata.stub_path.read_bytes()
    if path.is_file() and path.read_bytes() == stub:
        outcome.unchanged = True
        return outcome
    if path.exists():
        outcome.backup = backup_files(workspace, [kata.learner_file]) / kata.learner_file
    shutil.copyfile(kata.stub_path, path)

    def forget_last_grade(state):
        # The last grade described the old file. History (attempts, hints,
        # first_passed, solution_viewed) stays: it happened.
        entry = _entry(state, kata.id)
        entry.update(status=None, checks_total=None, checks_failing=None, fatal=None)
    try:
        update_state(workspace, forget_last_grade, warn)
    except OSError as exc:  # the file is reset either way; only the record is stale
        if warn:
            warn(f"warning: could not record the reset in {workspace}: {exc}")
    return outcome


# -- state: layout and sanitising -------------------------------------------------

def _is_count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_opt_count(v) -> bool:
    return v is None or _is_count(v)


def _is_opt_str(v) -> bool:
    return v is None or isinstance(v, str)


# Every field a kata entry may hold: (valid?, default). Unknown keys are kept as they
# are (a newer version may have written them) but nothing here reads them.
_ENTRY_FIELDS = {
    "attempts": (_is_count, 0),
    "hints_seen": (_is_count, 0),
    "status": (_is_opt_str, None),           # a KataResult.status of the last grade
    "checks_total": (_is_opt_count, None),
    "checks_failing": (_is_opt_count, None),
    "fatal": (_is_opt_str, None),
    "first_passed": (_is_opt_str, None),     # timestamp of the first passing grade
    "last_graded": (_is_opt_str, None),
    "solution_viewed": (_is_opt_str, None),  # timestamp of the first `kata solution`
}


def new_state() -> dict:
    return {"version": STATE_VERSION, "created": _now(), "katas": {}}


def _new_entry() -> dict:
    return {key: default for key, (_, default) in _ENTRY_FIELDS.items()}


def _entry(state: dict, kata_id: str) -> dict:
    return state["katas"].setdefault(kata_id, _new_entry())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def sanitize_state(raw) -> tuple[dict, list[str]]:
    """Return a state in which every known field has its expected type, and what was wrong.

    Wrong values are replaced by their defaults, one field at a time, so a single
    bad value does not throw away the rest of the learner's progress.
    """
    if not isinstance(raw, dict):
        return new_state(), [f"the file holds a {type(raw).__name__}, not an object"]
    problems = []
    state = dict(raw)
    if not _is_count(state.get("version")):
        if "version" in state:
            problems.append(f"version is {state['version']!r}")
        state["version"] = STATE_VERSION
    if not isinstance(state.get("created"), str):
        state["created"] = _now()
    katas = state.get("katas")
    if not isinstance(katas, dict):
        problems.append(f"katas is {_short(katas)}, not an object")
        katas = {}
    clean = {}
    for kata_id, entry in katas.items():
        if not isinstance(entry, dict):
            problems.append(f"katas.{kata_id} is {_short(entry)}, not an object")
            continue
        fixed = dict(entry)
        for key, (valid, default) in _ENTRY_FIELDS.items():
            if key not in fixed:
                fixed[key] = default
            elif not valid(fixed[key]):
                problems.append(f"katas.{kata_id}.{key} is {_short(fixed[key])}")
                fixed[key] = default
        clean[kata_id] = fixed
    state["katas"] = clean
    return state, problems


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _load(workspace: Path) -> tuple[dict, list[str]]:
    path = Path(workspace) / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return new_state(), []
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        return new_state(), [f"unreadable ({exc})"]
    return sanitize_state(raw)


def _warning(workspace: Path, problems: list[str]) -> str:
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return (f"warning: {Path(workspace) / STATE_FILE} is damaged ({shown}); "
            "ignoring the bad parts and carrying on with the rest of your progress")


def read_state(workspace: Path, warn=None) -> dict:
    """The workspace's progress record, sanitised. Never raises for a bad file."""
    state, problems = _load(workspace)
    if problems and warn:
        warn(_warning(workspace, problems))
    return state


def write_state(workspace: Path, state: dict) -> None:
    """Atomic: a reader sees the old file or the new one, never half of one."""
    workspace = Path(workspace)
    fd, tmp = tempfile.mkstemp(prefix=".kata-state-", dir=workspace)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, workspace / STATE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(workspace: Path):
    """Hold an exclusive lock on the workspace's lock file.

    flock is advisory and per open file; the kernel drops it when the process
    exits, so a `kata` killed mid-update never leaves the workspace locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, atomic writes still hold
        yield
        return
    fd = os.open(Path(workspace) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def update_state(workspace: Path, change, warn=None) -> dict:
    """Read, `change(state)` in place, write: one locked step. Returns the new state.

    If the old file was damaged, a copy of it goes into `.kata-backups/` before the
    sanitised state replaces it, so a hand edit is never silently lost.
    """
    workspace = Path(workspace)
    with _locked(workspace):
        state, problems = _load(workspace)
        if problems:
            message = _warning(workspace, problems)
            if (workspace / STATE_FILE).is_file():
                copy = backup_files(workspace, [STATE_FILE]) / STATE_FILE
                message += f"; the damaged file was copied to {copy}"
            if warn:
                warn(message)
        change(state)
        write_state(workspace, state)
    return state


def record_grades(workspace: Path, kata_results, warn=None) -> dict:
    """Fold one grading run into the workspace's progress record."""
    def fold(state):
        for r in kata_results:
            entry = _entry(state, r.id)
            counts = r.counts()
            entry["attempts"] += 1
            entry["status"] = r.status
            entry["checks_total"] = len(r.checks)
            entry["checks_failing"] = counts["fail"] + counts["error"]
            entry["fatal"] = r.fatal
            entry["last_graded"] = _now()
            if r.passed and not entry["first_passed"]:
                entry["first_passed"] = entry["last_graded"]
    return update_state(workspace, fold, warn)


def record_hints_seen(workspace: Path, kata_id: str, level: int, warn=None) -> dict:
    """Remember that hints 1..level of a kata have been shown (never lowers the count)."""
    def seen(state):
        entry = _entry(state, kata_id)
        entry["hints_seen"] = max(entry["hints_seen"], level)
    return update_state(workspace, seen, warn)


def record_solution_viewed(workspace: Path, kata_id: str, warn=None) -> dict:
    """Remember when the reference solution of a kata was first shown."""
    def viewed(state):
        entry = _entry(state, kata_id)
        entry["solution_viewed"] = entry["solution_viewed"] or _now()
    return update_state(workspace, viewed, warn)


def kata_entry(state: dict, kata_id: str) -> dict:
    """A kata's progress entry with every field present (a fresh one if never touched)."""
    return state["katas"].get(kata_id) or _new_entry()
