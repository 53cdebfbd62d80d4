"""The learner's workspace: a folder of stubs plus one state file that marks it.

Rules: nothing here deletes or overwrites a learner's file without first copying
it into `.kata-backups/`; the state file is written atomically and a damaged one
is replaced by a fresh state with a warning, never a crash.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

STATE_FILE = ".kata-workspace.json"
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


@dataclass
class InitOutcome:
    workspace: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)        # existing files left alone
    replaced: list[str] = field(default_factory=list)    # overwritten under --force
    backup: Path | None = None


def backup_files(workspace: Path, names: list[str]) -> Path:
    """Copy the named learner files into a fresh timestamped folder; return it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = workspace / BACKUP_DIR / stamp
    n = 1
    while target.exists():
        n += 1
        target = workspace / BACKUP_DIR / f"{stamp}-{n}"
    target.mkdir(parents=True)
    for name in names:
        shutil.copy2(workspace / name, target / name)
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
    if not (directory / STATE_FILE).is_file():
        write_state(directory, new_state())
    return outcome


# -- state -----------------------------------------------------------------------

def new_state() -> dict:
    return {"version": STATE_VERSION, "created": _now(), "katas": {}}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def read_state(workspace: Path, warn=None) -> dict:
    path = Path(workspace) / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("katas"), dict):
            raise ValueError("unexpected layout")
        return state
    except FileNotFoundError:
        return new_state()
    except (OSError, ValueError) as exc:
        if warn:
            warn(f"warning: {path} is damaged ({exc}); starting from a fresh progress record")
        return new_state()


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


def record_grades(workspace: Path, kata_results, warn=None) -> dict:
    """Fold one grading run into the workspace's progress record."""
    state = read_state(workspace, warn)
    for r in kata_results:
        entry = state["katas"].setdefault(r.id, {"attempts": 0, "hints_seen": 0, "first_passed": None})
        counts = r.counts()
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry["status"] = r.status
        entry["checks_total"] = len(r.checks)
        entry["checks_failing"] = counts["fail"] + counts["error"]
        entry["fatal"] = r.fatal
        entry["last_graded"] = _now()
        if r.passed and not entry.get("first_passed"):
            entry["first_passed"] = entry["last_graded"]
    write_state(workspace, state)
    return state
